"""Bulk applications: a spreadsheet of passes checked, confirmed and issued together."""
from bulk.routes import bulk  # noqa: F401
