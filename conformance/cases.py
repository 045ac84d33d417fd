"""The conformance cases: what each scan is and what every verifier must answer.

Plain data, no keys and no signing: conformance/generate.py turns each case into bytes, and
tests/unit/test_conformance.py holds the committed corpus to this list.
"""
from dataclasses import dataclass, field

# The fixed validation clock of every case: 2022-07-20 14:53:20 in Beihai (UTC+8).
CLOCK = 1_658_300_000
HOUR = 3600

HOME = "450500"  # Beihai: the test issuer whose bundle the checkpoint holds
PEER = "450700"  # Qinzhou: another issuer on the trust list, judged by its status feed
STRANGER = "440300"  # Shenzhen: an issuer that is not on the trust list

GREEN, YELLOW, RED, SUSPENDED = (f"91450500MA5KA100{n}P" for n in "1234")
PEER_GREEN, PEER_RED = "91450700MA5KB2001X", "91450700MA5KB2002X"
STRANGER_GREEN = "91440300MA5KC3001Y"

FEDERATION = "federation"
REQUIREMENTS = (FEDERATION,)


@dataclass(frozen=True)
class Case:
    """One scan. `number` is the pass's serial within its issuer's area; `key` names the
    key that signs the token (generate.KEYS); `form` how the QR text is made from it."""

    name: str
    description: str
    verdict: str
    reasons: tuple[str, ...]
    issuer: str = HOME
    number: int = 1
    kind: str = "vehicle"
    enterprise: str = GREEN
    nbf: int = CLOCK - 24 * HOUR
    exp: int = CLOCK + 144 * HOUR
    test_age_h: int = 12  # the signed test's age at the clock
    key: str = "home"
    form: str = "genuine"
    text: str | None = None  # the QR text itself, for form "text"
    bundle: str = "fresh"
    feed: str | None = None  # the issuer's feed the checkpoint holds, for a foreign pass
    plate_seen: str | None = None
    checkpoint_area: str = "450502"
    requires: tuple[str, ...] = field(default_factory=tuple)
    # Claims set to other values (None: left out), to make tokens that break the contract.
    edit: tuple[tuple[str, object], ...] = ()

    @property
    def pass_number(self) -> str:
        return f"{self.issuer}{self.number:06d}"


def foreign(name: str, description: str, verdict: str, reasons: tuple[str, ...],
            **changes) -> Case:
    """A pass of another city: judged with its issuer's keys and feed (CONTRACT.md,
    "Federation"), which only a verifier that supports federation can do."""
    changes = {"issuer": PEER, "enterprise": PEER_GREEN, "key": "peer", "feed": "fresh",
               "checkpoint_area": "450521"} | changes
    return Case(name, description, verdict, reasons, requires=(FEDERATION,), **changes)


HC1 = ("HC1:6BFOXN%TS3DH0YOJ58S S-W5HDC *M0II5XHC9B5G2+$N IOP-IA%NFQGRJPC%OQHIZC4.OI1RM8ZA"
       ".A5:S9MKN4NN3F85QNCY0O%0VZ001HOC9JU0D0HT0HB2PL/IB*09B9LW4T*8+DCMH0LDK2%K:XFE70*LP$V25")

CASES = (
    # Genuine passes of the home issuer.
    Case("genuine-vehicle", "A vehicle pass of a green white-listed enterprise, driver green, "
         "test 12 h old: release.", "pass", ()),
    Case("genuine-personnel", "A supply-staff pass (no plate, no cargo).", "pass", (),
         number=2, kind="personnel"),
    Case("plate-seen-matches", "The officer typed the pass's plate in another form.", "pass",
         (), number=3, plate_seen="桂e·12345"),
    # The validity window, at the fixed clock.
    Case("expired", "Its window ended two hours before the clock.", "deny", ("expired",),
         number=4, nbf=CLOCK - 100 * HOUR, exp=CLOCK - 2 * HOUR),
    Case("not-yet-valid", "Its window opens two hours after the clock.", "deny",
         ("not_yet_valid",), number=5, nbf=CLOCK + 2 * HOUR, exp=CLOCK + 100 * HOUR),
    Case("at-exactly-nbf", "The clock is exactly nbf: inside the window.", "pass", (),
         number=6, nbf=CLOCK, exp=CLOCK + 48 * HOUR),
    Case("at-exactly-exp", "The clock is exactly exp: outside the window.", "deny",
         ("expired",), number=7, nbf=CLOCK - 48 * HOUR, exp=CLOCK),
    # What the offline bundle says now.
    Case("revoked", "The bundle lists the pass as revoked.", "deny", ("revoked",), number=8),
    Case("handed-over", "The bundle lists the pass as handed over at a transfer station.",
         "deny", ("handed_over",), number=9),
    Case("enterprise-red", "The enterprise is red in the bundle.", "deny",
         ("enterprise_red",), number=10, enterprise=RED),
    Case("enterprise-yellow", "The enterprise is yellow in the bundle: confirm the closed "
         "loop.", "check", ("enterprise_yellow",), number=11, enterprise=YELLOW),
    Case("enterprise-suspended", "The enterprise is off the white list (suspended).", "deny",
         ("enterprise_not_whitelisted",), number=12, enterprise=SUSPENDED),
    Case("test-expired", "The holder's latest test is 50 h old at the clock: sample on site.",
         "check", ("test_expired",), number=13),
    Case("test-positive", "The holder's latest test is positive.", "deny", ("test_positive",),
         number=14),
    Case("holder-not-green", "The holder's health code is yellow now.", "deny",
         ("driver_not_green",), number=15),
    Case("bundle-stale", "The bundle is older than its max_age_s: status unknown.", "check",
         ("status_unknown",), number=16, bundle="stale"),
    Case("plate-mismatch", "The officer typed another plate.", "deny", ("plate_mismatch",),
         number=17, plate_seen="桂E54321"),
    Case("off-route", "Scanned in a county that is not on the route.", "check",
         ("off_route",), number=18, checkpoint_area="450512"),
    Case("expired-revoked-red", "Every reason at once, worst first.", "deny",
         ("revoked", "expired", "enterprise_red"), number=19, enterprise=RED,
         nbf=CLOCK - 100 * HOUR, exp=CLOCK - HOUR),
    # Keys and signatures.
    Case("key-revoked", "Signed by a key the bundle lists in revoked_kids.", "deny",
         ("key_revoked",), number=20, key="home-revoked"),
    Case("unknown-key", "Signed by a key whose kid nobody publishes.", "deny",
         ("unknown_key",), number=21, key="unpublished"),
    Case("forged", "Signed by another key under the issuer's published kid.", "deny",
         ("bad_signature",), number=22, key="forger"),
    Case("tampered", "The genuine token with its plate edited in the payload.", "deny",
         ("bad_signature",), number=23, form="tampered"),
    # Not a pass token at all.
    Case("malformed-not-lp", "An EU digital COVID certificate, not an LP:/ text.", "deny",
         ("malformed",), form="text", text=HC1),
    Case("malformed-bare-jws", "A genuine pass's JWS without the LP:/ prefix and digits.",
         "deny", ("malformed",), number=24, form="bare_jws"),
    Case("malformed-odd-digits", "A genuine pass's QR text less its last digit.", "deny",
         ("malformed",), number=25, form="odd_digits"),
    Case("malformed-digit-pair", "A digit pair (99) that is no base64url character.", "deny",
         ("malformed",), form="text", text="LP:/565199"),
    Case("malformed-bad-base64", "The header segment is one character too long to be "
         "base64url.", "deny", ("malformed",), number=26, form="bad_base64"),
    Case("malformed-bad-base64-payload", "A genuine token whose payload segment is made 1 "
         "more than a multiple of 4 characters long, which no base64url is: not a JWS, so "
         "malformed before any signature check.", "deny", ("malformed",), number=34,
         form="bad_base64_payload"),
    Case("malformed-no-zip", "Genuinely signed, but without zip DEF and with a plain JSON "
         "payload: not a pass token.", "deny", ("malformed",), number=27, form="no_zip"),
    Case("malformed-inflation-bomb", "Genuinely signed, zip DEF, a payload that inflates to "
         "1 MiB: refused unread.", "deny", ("malformed",), number=28, form="inflation_bomb"),
    # Genuinely signed, but the claims or the stream break CONTRACT.md's "The QR text".
    Case("malformed-claims-no-id-digits", "The claims leave out i (last 4 characters of the "
         "ID number).", "deny", ("malformed",), number=29, edit=(("i", None),)),
    Case("malformed-claims-numeric-jti", "jti is the number 450500000030, not the string of "
         "12 digits a pass number is.", "deny", ("malformed",), number=30,
         edit=(("jti", 450500000030),)),
    Case("malformed-claims-plate-number", "p (the plate) is a number.", "deny",
         ("malformed",), number=31, edit=(("p", 12345),)),
    Case("malformed-claims-county-7-digits", "o (the origin county) has 7 digits.", "deny",
         ("malformed",), number=32, edit=(("o", 4505021),)),
    Case("malformed-deflate-trailing-data", "The payload is one raw DEFLATE stream followed "
         "by two more bytes.", "deny", ("malformed",), number=33, form="trailing_data"),
    # Passes of other cities.
    foreign("foreign-genuine", "A pass of an issuer on the trust list, green in its fresh "
            "feed.", "pass", ()),
    foreign("foreign-revoked", "Its issuer's feed lists the pass as revoked.", "deny",
            ("revoked",), number=2),
    foreign("foreign-enterprise-red", "Its enterprise is red in its issuer's feed.", "deny",
            ("enterprise_red",), number=3, enterprise=PEER_RED),
    foreign("foreign-forged", "Signed by another key under the peer's published kid.",
            "deny", ("bad_signature",), number=4, key="forger-peer"),
    foreign("foreign-stale-feed", "Its issuer's feed is older than its max_age_s.", "check",
            ("issuer_status_stale",), number=5, feed="stale"),
    foreign("foreign-unknown-issuer", "A pass of an area that is not on the trust list.",
            "deny", ("unknown_issuer",), issuer=STRANGER, enterprise=STRANGER_GREEN,
            key="stranger", feed=None),
)

# The bundle's live facts of the home issuer's passes that are not plain green, by serial.
HOLDERS = {13: {"test_age_h": 50}, 14: {"test_age_h": 6, "test_positive": True},
           15: {"health_code": "yellow"}}
REVOKED = (8, 19)
HANDED_OVER = (9,)
PEER_REVOKED = (2,)
