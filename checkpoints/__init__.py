from checkpoints.api import api  # noqa: F401
from checkpoints.routes import bp, scan_log  # noqa: F401
from checkpoints.scanner import bp as scanner  # noqa: F401
