"""Backups: a consistent, checksummed copy of the database and the instance secrets."""
