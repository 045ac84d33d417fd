from passes.api import api  # noqa: F401
from passes.bulk_routes import bulk  # noqa: F401
from passes.holder import holder  # noqa: F401
from passes.impact import init_app  # noqa: F401
from passes.people_pages import people_bp  # noqa: F401
from passes.quota_routes import quota_api, quota_pages  # noqa: F401
from passes.routes import bp, well_known  # noqa: F401
