from transfers.api import api  # noqa: F401
from transfers.routes import bp  # noqa: F401
