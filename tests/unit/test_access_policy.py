"""The object-level access policy: whose enterprise objects an actor reaches."""
import pytest

from core.access import Operator, acts_for, clerk_of, may_see

ADMIN = Operator("authority")
CLERK = Operator("clerk", role="enterprise", enterprise_id=7)
UNLINKED_CLERK = Operator("newcomer", role="enterprise")
OFFICER = Operator("officer", role="officer", enterprise_id=7)  # a stray id gives no reach


@pytest.mark.parametrize(("actor", "enterprise_id", "sees", "acts"), [
    (ADMIN, 7, True, False),
    (CLERK, 7, True, True),
    (CLERK, 8, False, False),
    (UNLINKED_CLERK, 7, False, False),
    (UNLINKED_CLERK, None, False, False),
    (OFFICER, 7, False, False),
])
def test_the_authority_sees_every_enterprise_and_a_clerk_only_their_own(actor, enterprise_id,
                                                                        sees, acts):
    assert may_see(actor, enterprise_id) is sees
    assert acts_for(actor, enterprise_id) is acts


def test_only_an_enterprise_clerk_is_a_clerk_of_an_enterprise():
    assert [clerk_of(actor) for actor in (ADMIN, CLERK, UNLINKED_CLERK, OFFICER)] == \
        [None, 7, None, None]
