"""Passes with the longest values the validators accept, for the QR size test and
bench/bench_qr.py: every claim at its longest, its values drawn at random.

Lengths are the worst legal ones: 8-character new-energy plates (and 7-character ones),
masked names of three characters each 3 bytes in UTF-8, 18-character USCCs, 12-digit
numbers with a 6-digit serial, 6-digit county codes up to the largest, the longest validity
window and a test sampled up to 48 h before it. Values are realistic rather than noise: a
number starts with its issuer's area code and a USCC with the division code of a county
of that prefecture, as registrations are; origins and destinations are any of the counties
below, across the country.
"""
import random
from datetime import UTC, datetime, timedelta

from core.validators import PLATE_PROVINCES, USCC_ALPHABET, mask_name, uscc_check_char
from passes.models import Pass
from whitelist.models import Enterprise

# Prefecture-level issuers, from Beijing to the largest codes in Xinjiang.
AREAS = ["110100", "440800", "450500", "450700", "632800", "650100", "653200", "654300"]
# Real county codes of many provinces, the largest among them (GB/T 2260).
COUNTIES = [110101, 440802, 440881, 450502, 450521, 450703, 460108, 513437, 542527, 632857,
            653227, 654326, 659009, 659011, 659012]
_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_DIGITS = "0123456789"
_CJK = [chr(code) for code in range(0x4E00, 0x9FA6)]  # the CJK block: 3 bytes each in UTF-8
MAX_VALIDITY = timedelta(days=15)
TEST_WINDOW = timedelta(hours=48)
EPOCH = datetime(2022, 1, 1, tzinfo=UTC)


def plate(rng: random.Random) -> str:
    """A plate of one of the accepted shapes, the 8-character new-energy ones twice as often."""
    start = rng.choice(PLATE_PROVINCES) + rng.choice(_LETTERS)
    shape = rng.randrange(4)
    if shape == 0:  # ordinary, 7 characters
        return start + "".join(rng.choices(_LETTERS + _DIGITS, k=5))
    if shape == 1:  # large new-energy
        return start + "".join(rng.choices(_DIGITS, k=5)) + rng.choice("DF")
    return start + rng.choice("DF") + rng.choice(_LETTERS + _DIGITS) + "".join(
        rng.choices(_DIGITS, k=4))  # small new-energy


def uscc(rng: random.Random, area: str) -> str:
    first17 = ("91" + area[:4] + f"{rng.randrange(1, 30):02d}" + "MA"
               + "".join(rng.choices(USCC_ALPHABET, k=7)))
    return first17 + uscc_check_char(first17)


def longest_pass(rng: random.Random, kind: str) -> tuple[Pass, int | None]:
    """A transient pass (never stored) and its cargo position, as tokens.claims_for takes."""
    area = rng.choice(AREAS)
    valid_from = EPOCH + timedelta(seconds=rng.randrange(10 * 365 * 86400))
    name = "".join(rng.choices(_CJK, k=rng.randint(3, 4)))
    pass_ = Pass(
        number=area + f"{rng.randrange(10**6):06d}",
        kind=kind,
        enterprise=Enterprise(code=uscc(rng, area)),
        plate=plate(rng) if kind == "vehicle" else None,
        origin=str(rng.choice(COUNTIES)),
        destination=str(rng.choice(COUNTIES)),
        valid_from=valid_from,
        valid_until=valid_from + MAX_VALIDITY,
        holder_name=mask_name(name),
        id_last4=f"{rng.randrange(1000):03d}" + rng.choice(_DIGITS + "X"),
        test_sampled_at=valid_from - timedelta(seconds=rng.randrange(int(
            TEST_WINDOW.total_seconds()))),
    )
    return pass_, (rng.randint(1, 7) if kind == "vehicle" else None)


def longest_passes(count: int, seed: int = 2022) -> list[tuple[Pass, int | None]]:
    """`count` passes, one in four a personnel pass."""
    rng = random.Random(seed)
    return [longest_pass(rng, "personnel" if serial % 4 == 3 else "vehicle")
            for serial in range(count)]
