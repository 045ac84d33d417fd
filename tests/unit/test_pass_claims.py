"""passtokens.tokens.check_claims: the one Python definition of well-formed pass claims.

Its JS twin is checkClaims in static/js/scan/rules.js, tested with the same cases in
tests/js/claims.test.mjs: keep the two lists alike.
"""
import math

import pytest

from passtokens.tokens import LATEST_TIME_S, MalformedClaims, PassFacts, check_claims

VEHICLE = {"jti": "450500000001", "nbf": 1658275200, "exp": 1658880000, "t": 1658232000,
           "k": 1, "e": "91450500MA0000001X", "n": "张*明", "i": "002X", "p": "桂E12345",
           "c": 2, "o": 450502, "d": 450521}
PERSONNEL = {name: value for name, value in VEHICLE.items() if name not in ("p", "c")} | {
    "k": 2}
ABSENT = object()

# (what is wrong, the claim it names, claims to change: ABSENT leaves one out)
BROKEN = [
    ("no jti", "jti", {"jti": ABSENT}),
    ("jti a number", "jti", {"jti": 450500000001}),
    ("jti of 11 digits", "jti", {"jti": "45050000001"}),
    ("jti of 13 digits", "jti", {"jti": "4505000000011"}),
    ("jti with a letter", "jti", {"jti": "45050000000X"}),
    ("jti of full-width digits", "jti", {"jti": "４５０５００００００００１"}),
    ("nbf a string", "nbf", {"nbf": "1658275200"}),
    ("nbf a fraction", "nbf", {"nbf": 1658275200.5}),
    ("exp missing", "exp", {"exp": ABSENT}),
    ("exp beyond year 9999", "exp", {"exp": LATEST_TIME_S + 1}),
    ("t negative", "t", {"t": -1}),
    ("t true", "t", {"t": True}),
    ("k 3", "k", {"k": 3}),
    ("k a string", "k", {"k": "1"}),
    ("k true", "k", {"k": True}),
    ("no e", "e", {"e": ABSENT}),
    ("n null", "n", {"n": None}),
    ("no i", "i", {"i": ABSENT}),
    ("i a number", "i", {"i": 1234}),
    ("p a number", "p", {"p": 12345}),
    ("no p on a vehicle pass", "p", {"p": ABSENT}),
    ("p null on a vehicle pass", "p", {"p": None}),
    ("c a string", "c", {"c": "2"}),
    ("c 0", "c", {"c": 0}),
    ("no c on a vehicle pass", "c", {"c": ABSENT}),
    ("o of 7 digits", "o", {"o": 4505021}),
    ("o 0", "o", {"o": 0}),
    ("o a string", "o", {"o": "450502"}),
    ("d negative", "d", {"d": -450521}),
    ("d a fraction", "d", {"d": 450521.5}),
]
BROKEN_PERSONNEL = [
    ("a plate on a personnel pass", "p", {"p": "桂E12345"}),
    ("a null plate on a personnel pass", "p", {"p": None}),
    ("cargo on a personnel pass", "c", {"c": 2}),
]


def changed(claims: dict, changes: dict) -> dict:
    edited = claims | changes
    return {name: value for name, value in edited.items() if value is not ABSENT}


@pytest.mark.parametrize("claims", [VEHICLE, PERSONNEL], ids=["vehicle", "personnel"])
def test_claims_that_fit_the_contract_pass(claims):
    check_claims(claims)


@pytest.mark.parametrize(("base", "what", "name", "changes"),
                         [(VEHICLE, *row) for row in BROKEN]
                         + [(PERSONNEL, *row) for row in BROKEN_PERSONNEL],
                         ids=[row[0] for row in BROKEN + BROKEN_PERSONNEL])
def test_each_broken_claim_is_refused_by_name(base, what, name, changes):
    with pytest.raises(MalformedClaims, match=f"claim {name} "):
        check_claims(changed(base, changes))


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 1e300, 2**63])
@pytest.mark.parametrize("name", ["nbf", "o", "c"])
def test_numbers_beyond_their_range_are_refused(name, value):
    with pytest.raises(MalformedClaims):
        check_claims(VEHICLE | {name: value})


def test_the_first_broken_claim_in_the_contracts_order_is_named():
    # The JS twin names the same claim for the same claims.
    with pytest.raises(MalformedClaims, match="claim jti "):
        check_claims(changed(VEHICLE, {"jti": 1, "i": ABSENT, "o": 4505021}))
    with pytest.raises(MalformedClaims, match="claim i "):
        check_claims(changed(VEHICLE, {"i": ABSENT, "o": 4505021}))


def test_integral_numbers_written_with_a_fraction_count_as_integers():
    """JSON.parse reads 450502.0 as 450502, so the JS twin cannot refuse it: neither do we."""
    claims = VEHICLE | {"o": 450502.0, "k": 1.0, "nbf": 1658275200.0, "c": 2.0}
    check_claims(claims)
    facts = PassFacts.from_claims(claims)
    assert (facts.origin, facts.kind, facts.cargo_position) == ("450502", "vehicle", 2)


def test_county_codes_read_as_six_digits():
    assert PassFacts.from_claims(VEHICLE | {"o": 1, "d": 999999}).origin == "000001"


def test_from_claims_refuses_what_check_claims_refuses():
    with pytest.raises(MalformedClaims):
        PassFacts.from_claims(VEHICLE | {"jti": 450500000001})


def test_malformed_claims_are_a_value_error_for_callers_that_catch_those():
    assert issubclass(MalformedClaims, ValueError)
