"""The authority's account pages: every account, and the checkpoints an officer staffs."""
from staff.admin import bp as admin  # noqa: F401
