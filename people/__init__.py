from people.api import api  # noqa: F401
