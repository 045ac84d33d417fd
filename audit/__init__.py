from audit import anchor  # noqa: F401  (signs committed heads)
from audit.routes import bp  # noqa: F401
