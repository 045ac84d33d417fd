"""The seals of a handover, read from the request body."""
import re

from flask_babel import lazy_gettext as _l

from core.validation import Fields

SEAL = re.compile(r"[A-Za-z0-9-]{1,32}")
MAX_SEALS = 20


def read_seals(fields: Fields) -> tuple[str, ...] | None:
    """One or more distinct seal numbers, upper case, as a list or one per line / comma;
    None, with the error recorded, for anything else."""
    value = fields.data.get("seals")
    if isinstance(value, str):
        value = [part for part in re.split(r"[\s,，;；]+", value) if part]
    if not value:
        fields.error("seals", _l("Give at least one seal number."))
        return None
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        fields.error("seals", _l("Must be a list of seal numbers."))
        return None
    seals = tuple(seal.strip().upper() for seal in value)
    bad = [seal for seal in seals if not SEAL.fullmatch(seal)]
    if bad:
        fields.error("seals", _l("Not a seal number: %(seals)s (letters, digits and '-').",
                                 seals=", ".join(bad)))
    elif len(seals) > MAX_SEALS:
        fields.error("seals", _l("At most %(count)d seals.", count=MAX_SEALS))
    elif len(set(seals)) != len(seals):
        fields.error("seals", _l("A seal number is given twice."))
    return seals if fields.ok("seals") else None
