"""Each enterprise's daily issuing quota, set by the authority."""
from quotas.routes import quota_api, quota_pages  # noqa: F401
