from people.api import api  # noqa: F401
from people.pages import people_bp  # noqa: F401
