from accounts.admin import bp as admin  # noqa: F401
from accounts.routes import api, bp  # noqa: F401
