from whitelist.api import api  # noqa: F401
from whitelist.routes import bp  # noqa: F401
