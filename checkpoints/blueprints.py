"""The package's blueprints, for the app factory: kept out of __init__ so that the pure
verdict rules (checkpoints.rules) import without Flask."""
from checkpoints import admin_pages  # noqa: F401  (its routes join bp before registration)
from checkpoints.api import api  # noqa: F401
from checkpoints.routes import bp, scan_log  # noqa: F401
from checkpoints.scanner import bp as scanner  # noqa: F401
