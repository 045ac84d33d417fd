"""PassFacts.from_claims on any claims a verified token could carry: facts, or a refusal."""
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from passtokens.tokens import MalformedClaims, PassFacts

properties = settings(max_examples=300, derandomize=True, database=None)

# What json.loads can produce, Infinity and NaN included (PyJWT reads payloads with it).
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                               max_size=3),
    max_leaves=6,
)
GOOD = {"jti": "450500000001", "nbf": 1658275200, "exp": 1658880000, "k": 1,
        "e": "91450500MA0000001X", "n": "张*明", "i": "002X", "t": 1658232000,
        "o": 450502, "d": 450521, "p": "桂E12345", "c": 2}
# The good claims with some of them replaced by anything at all, or left out.
mangled_claims = st.fixed_dictionaries(
    {}, optional={name: st.just(value) | json_values for name, value in GOOD.items()})
REFUSALS = (MalformedClaims,)  # and nothing else: no KeyError or TypeError escapes


def read(claims):
    try:
        return PassFacts.from_claims(claims)
    except REFUSALS:
        return None


@properties
@given(st.dictionaries(st.text(max_size=4), json_values, max_size=14))
def test_arbitrary_claims_give_facts_or_a_refusal(claims):
    read(claims)


@properties
@given(mangled_claims)
def test_nearly_right_claims_give_facts_or_a_refusal(claims):
    facts = read(claims)
    if facts is None:
        return
    assert facts.kind in ("vehicle", "personnel")
    assert facts.plate is None or isinstance(facts.plate, str)
    assert facts.cargo_position is None or isinstance(facts.cargo_position, int)
    assert facts.origin.isdigit() and facts.destination.isdigit()
    assert facts.valid_from.tzinfo is not None


def test_good_claims_give_their_facts():
    facts = PassFacts.from_claims(GOOD)
    assert (facts.number, facts.kind, facts.origin, facts.cargo_position) == (
        "450500000001", "vehicle", "450502", 2)


@pytest.mark.parametrize("name", ["o", "d"])
@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, 1e300])
def test_non_finite_county_codes_are_refused(name, value):
    with pytest.raises(REFUSALS):
        PassFacts.from_claims(GOOD | {name: value})


@pytest.mark.parametrize("name", ["nbf", "exp", "t"])
@pytest.mark.parametrize("value", [10**20, -(10**20), 2**63])
def test_times_beyond_the_calendar_are_refused(name, value):
    with pytest.raises(REFUSALS):
        PassFacts.from_claims(GOOD | {name: value})


@pytest.mark.parametrize(("name", "value"), [("p", 12345), ("p", ["桂E12345"]), ("c", "2"),
                                             ("c", 2.5), ("c", True)])
def test_plate_and_cargo_of_the_wrong_type_are_refused(name, value):
    with pytest.raises(REFUSALS):
        PassFacts.from_claims(GOOD | {name: value})
