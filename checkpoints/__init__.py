from checkpoints.routes import api, bp  # noqa: F401
