from whitelist import licence_routes  # noqa: F401  (adds routes to bp and api)
from whitelist.api import api  # noqa: F401
from whitelist.routes import bp  # noqa: F401
