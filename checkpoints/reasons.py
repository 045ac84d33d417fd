"""The reason-code registry: every code a verdict can give, worst first.

One table for everything that names a reason: the verdict rules (checkpoints/rules.py), the
scan log's reason bits, the OpenAPI enum, the scanning page's table (static/js/scan/reasons.js,
written from here by `python -m tests.vectors.generate_verify`) and the words officers and
drivers read.
The colour reasons' verdicts here are the seeded policy's; the deployment's ColourPolicy rows
decide them at a scan.
"""
import json
from collections.abc import Iterable
from dataclasses import dataclass

VERDICTS = ("pass", "check", "deny")
SEVERITY = {"pass": 0, "check": 1, "deny": 2}


class Words:
    """A message translated when shown, as flask_babel's lazy_gettext does, but importing
    flask_babel only then: the pure rules (checkpoints/rules.py) read this registry."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __str__(self) -> str:
        from flask_babel import gettext

        return str(gettext(self.message))

    def __repr__(self) -> str:
        return f"<Words {self.message!r}>"


_l = Words  # the catalogue's keyword: scripts/i18n.sh extracts _l("...")


@dataclass(frozen=True)
class ReasonCode:
    code: str
    verdict: str
    bit: int  # its bit in Scan.reason_bits: fixed forever, whatever the listing order
    label: object  # short, for lists and charts
    message: object  # what the officer reads at the checkpoint
    personnel_message: object | None = None  # when a supply-staff pass needs other words
    holder_message: object | None = None  # why, in words a driver understands
    crew_message: object | None = None  # when it is said of a crew member, not the holder
    crew_holder_message: object | None = None

    def message_for(self, kind: str | None, *, crew: bool = False) -> object:
        if crew and self.crew_message:
            return self.crew_message
        return self.personnel_message if kind == "personnel" and self.personnel_message \
            else self.message

    def holder_message_for(self, kind: str | None, *, crew: bool = False) -> object:
        if crew and self.crew_holder_message:
            return self.crew_holder_message
        return self.holder_message or self.message_for(kind)


# Listing order = worst first: every deny before every check, and inside each, the reason that
# ends the argument first (a forgery before a window, the pass before its holder).
REGISTRY = (
    ReasonCode("malformed", "deny", 0, _l("Not a pass code"),
               _l("Not a pass code, or the code is damaged.")),
    ReasonCode("bad_signature", "deny", 1, _l("Bad signature"),
               _l("The signature does not match: the pass was altered or forged.")),
    ReasonCode("unknown_key", "deny", 2, _l("Unknown key"),
               _l("Signed with a key this system does not know: treat as forged.")),
    ReasonCode("key_revoked", "deny", 14, _l("Key revoked"),
               _l("Signed with a key that has been revoked: the pass must be re-issued."),
               holder_message=_l("the key that signed it was withdrawn; ask your enterprise "
                                 "for a new pass")),
    ReasonCode("unknown_issuer", "deny", 19, _l("Issuer not recognised"),
               _l("Not a recognised issuer: the issuing city is not on the trust list.")),
    ReasonCode("not_found", "deny", 3, _l("Not in registry"),
               _l("Not in the pass registry: treat as forged and report it.")),
    ReasonCode("revoked", "deny", 4, _l("Revoked"), _l("The pass has been revoked."),
               holder_message=_l("the pass has been revoked")),
    ReasonCode("handed_over", "deny", 18, _l("Handed over"),
               _l("The load was handed over at a transfer station: this pass is closed."),
               holder_message=_l("the load was handed over at a transfer station")),
    ReasonCode("expired", "deny", 6, _l("Expired"), _l("The pass has expired."),
               holder_message=_l("its validity window has ended")),
    ReasonCode("not_yet_valid", "deny", 5, _l("Not yet valid"), _l("The pass is not valid yet."),
               holder_message=_l("its validity window has not started")),
    ReasonCode("enterprise_not_whitelisted", "deny", 7, _l("Off the white list"),
               _l("The enterprise is not on the white list."),
               holder_message=_l("the enterprise is not on the white list now")),
    ReasonCode("enterprise_red", "deny", 8, _l("Enterprise red"),
               _l("The enterprise is red: the pass is not honoured."),
               holder_message=_l("the enterprise's status is red")),
    ReasonCode("test_positive", "deny", 15, _l("Test positive"),
               _l("The driver's latest test is positive."),
               personnel_message=_l("The holder's latest test is positive."),
               holder_message=_l("the holder's latest test is positive"),
               crew_message=_l("A crew member's latest test is positive."),
               crew_holder_message=_l("a crew member's latest test is positive")),
    ReasonCode("driver_not_green", "deny", 11, _l("Health code not green"),
               _l("The driver's health code is not green now."),
               personnel_message=_l("The holder's health code is not green now."),
               holder_message=_l("the holder's health code is not green")),
    ReasonCode("plate_mismatch", "deny", 12, _l("Plate mismatch"),
               _l("The plate seen does not match the pass.")),
    ReasonCode("possible_copy", "check", 17, _l("Possible copy"),
               _l("Scanned elsewhere too recently to be the same vehicle: check that this is "
                  "the original."),
               personnel_message=_l("Scanned elsewhere too recently to be the same person: "
                                    "check the holder's identity.")),
    ReasonCode("off_route", "check", 16, _l("Off route"),
               _l("This checkpoint is not on the pass's route: ask where the vehicle is going."),
               personnel_message=_l("This checkpoint is not between the holder's home and "
                                    "work: ask where they are going.")),
    ReasonCode("enterprise_yellow", "check", 9, _l("Enterprise yellow"),
               _l("The enterprise is yellow: confirm the closed loop."),
               holder_message=_l("the enterprise's status is yellow, so expect a "
                                 "closed-loop check")),
    ReasonCode("test_expired", "check", 10, _l("Test too old"),
               _l("The latest negative test is older than the test window: sample on site and "
                  "let go."),
               holder_message=_l("the holder's latest test is older than the test "
                                 "window, so expect a test on site")),
    ReasonCode("status_unknown", "check", 13, _l("Status unknown"),
               _l("Live status unknown: check by hand.")),
    ReasonCode("issuer_status_stale", "check", 20, _l("Issuer status stale"),
               _l("The issuing city's status feed is too old: check by hand.")),
)
BY_CODE = {reason.code: reason for reason in REGISTRY}
REASON_CODES = tuple(BY_CODE)
REASON_BITS = {reason.code: 1 << reason.bit for reason in REGISTRY}
RANK = {code: position for position, code in enumerate(REASON_CODES)}
# Reasons that leave nothing else to say: the token cannot be trusted or found.
UNREADABLE = ("malformed", "bad_signature", "unknown_key", "key_revoked", "unknown_issuer",
              "not_found")


def reason_bits(codes: Iterable[str]) -> int:
    """The codes as one integer, a bit each (REASON_BITS)."""
    return sum(REASON_BITS.get(code, 0) for code in set(codes))


def js_module() -> str:
    """static/js/scan/reasons.js: the table the scanning page decides offline with."""
    table = {reason.code: reason.verdict for reason in REGISTRY}
    return (
        "// Written from checkpoints/reasons.py by tests/vectors/generate_verify.py; don't edit.\n"
        "// Every reason code, worst first, with the verdict it calls for (colour reasons: the\n"
        "// seeded policy's; the bundle's colour_policy decides).\n\n"
        f"export const REASON_CODES = {json.dumps(list(REASON_CODES), indent=2)};\n\n"
        f"export const REASON_VERDICTS = {json.dumps(table, indent=2)};\n\n"
        f"export const UNREADABLE = {json.dumps(list(UNREADABLE))};\n"
    ).replace('"', "'")

