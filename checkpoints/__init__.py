from checkpoints import admin_pages  # noqa: F401  (its routes join bp before registration)
from checkpoints.api import api  # noqa: F401
from checkpoints.routes import bp, scan_log  # noqa: F401
from checkpoints.scanner import bp as scanner  # noqa: F401
