from passes.api import api  # noqa: F401
from passes.holder import holder  # noqa: F401
from passes.impact import init_app  # noqa: F401
from passes.routes import bp, well_known  # noqa: F401
