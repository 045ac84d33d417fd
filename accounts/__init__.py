from accounts.routes import api, bp  # noqa: F401
