"""The security section reuses the checkpoint fixtures: checkpoints, an officer, passes."""
from tests.integration.conftest import checkpoints, make_pass, officer, officer_headers  # noqa: F401
from tests.integration.webhook_receiver import (  # noqa: F401
    certificate,
    dns,
    receiver,
    webhook_settings,
)
