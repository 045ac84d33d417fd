"""Every realistic pass fits QR version 12 at level M (shared/CONTRACT.md, issue 13)."""
from collections import Counter

import pytest

from core import crypto
from passtokens import qr, tokens
from tests.longest_passes import longest_passes

PASSES = longest_passes(2000)


@pytest.fixture(scope="module")
def versions() -> Counter:
    key, kid = crypto.generate_private_key(), crypto.new_kid()
    return Counter(
        qr.qr_version(qr.to_qr_text(crypto.sign(tokens.claims_for(pass_, cargo), key, kid,
                                                deflate=True)))
        for pass_, cargo in PASSES)


def test_generated_set_holds_the_longest_legal_values():
    claims = [tokens.claims_for(pass_, cargo) for pass_, cargo in PASSES]
    assert {c["k"] for c in claims} == {1, 2}
    assert max(len(c.get("p", "")) for c in claims) == 8
    assert {len(c["e"]) for c in claims} == {18} and {len(c["jti"]) for c in claims} == {12}
    assert {len(c["n"].encode()) for c in claims} == {7}  # two CJK characters and the star
    assert {c["exp"] - c["nbf"] for c in claims} == {15 * 86400}
    assert max(c["o"] for c in claims) == 659012


def test_every_realistic_pass_is_qr_version_12_or_lower_at_level_m(versions):
    assert max(versions) <= 12, versions


def test_a_longer_key_id_would_not_fit(versions):
    """Why kids are three characters: with eight, the worst passes need version 13."""
    key = crypto.generate_private_key()
    worst = max(PASSES, key=lambda item: len(crypto.sign(tokens.claims_for(*item), key, "k1a",
                                                         deflate=True)))
    text = qr.to_qr_text(crypto.sign(tokens.claims_for(*worst), key, "k1abcdef", deflate=True))
    assert qr.qr_version(text) == 13
