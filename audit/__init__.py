from audit.routes import bp  # noqa: F401
