from dashboard.routes import api, bp  # noqa: F401
