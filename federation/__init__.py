from federation.cli import federation_cli  # noqa: F401
from federation.routes import api  # noqa: F401
