"""Pure checks for the identifiers the system takes in: USCC, resident ID, plate, phone."""
import re
import unicodedata
from datetime import date

# GB 32100-2015: the code alphabet leaves out I, O, Z, S and V.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# Registration authorities: 1-9 (organ staffing ... industry and commerce), A (military
# staffing), N (agriculture), Y (other).
USCC_AUTHORITIES = "123456789ANY"

_USCC_CHAR = f"[{USCC_ALPHABET}]"
_USCC_SHAPE = re.compile(f"[{USCC_AUTHORITIES}]{_USCC_CHAR}[0-9]{{6}}{_USCC_CHAR}{{10}}")
_USCC_VALUES = {char: value for value, char in enumerate(USCC_ALPHABET)}

# GB 11643-1999.
RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK_CHARS = "10X98765432"
_RESIDENT_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")

PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_LETTER = "A-HJ-NP-Z"  # plates never use I or O
_PLATE_SHAPES = re.compile(
    f"[{PLATE_PROVINCES}][{_LETTER}]"
    f"(?:[{_LETTER}0-9]{{5}}"  # ordinary
    f"|[DF][{_LETTER}0-9][0-9]{{4}}"  # small new-energy
    f"|[0-9]{{5}}[DF])"  # large new-energy
)
# Spaces, hyphens and the dots people type between the authority letter and the serial.
_PLATE_SEPARATORS = re.compile(r"[\s\-.·•‧・]+")

_MOBILE_SHAPE = re.compile(r"1[3-9][0-9]{9}")


def uscc_check_char(first17: str) -> str:
    """Return the check character for the first 17 characters of a USCC."""
    if len(first17) != 17 or not set(first17) <= _USCC_VALUES.keys():
        raise ValueError(f"not 17 USCC characters: {first17!r}")
    weighted = zip(first17, USCC_WEIGHTS, strict=True)
    total = sum(_USCC_VALUES[char] * weight for char, weight in weighted)
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_is_valid(code: str) -> bool:
    """Tell whether code is an 18-character Unified Social Credit Code (GB 32100-2015).

    Checks the alphabet (upper case only), the registration authority in position 1,
    the 6-digit area code in positions 3-8 and the check character. The embedded
    organisation code (positions 9-17) is not checked against GB 11714.
    """
    if not isinstance(code, str) or not _USCC_SHAPE.fullmatch(code):
        return False
    return uscc_check_char(code[:17]) == code[17]


def resident_id_check_char(first17: str) -> str:
    """Return the check character for the first 17 digits of a resident ID number."""
    if not re.fullmatch(r"[0-9]{17}", first17):
        raise ValueError(f"not 17 digits: {first17!r}")
    weighted = zip(first17, RESIDENT_ID_WEIGHTS, strict=True)
    total = sum(int(digit) * weight for digit, weight in weighted)
    return RESIDENT_ID_CHECK_CHARS[total % 11]


def resident_id_is_valid(number: str, *, today: date | None = None) -> bool:
    """Tell whether number is an 18-character PRC resident ID number (GB 11643-1999).

    A lower-case check character x is accepted. The birth date must be a real date
    from 1900 on and not after today.
    """
    if not isinstance(number, str):
        return False
    number = number.upper()
    if not _RESIDENT_ID_SHAPE.fullmatch(number):
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if born.year < 1900 or born > (today or date.today()):
        return False
    return resident_id_check_char(number[:17]) == number[17]


def normalize_plate(text: str) -> str:
    """Return a plate as printed: full-width folded, separators removed, letters upper case."""
    return _PLATE_SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()


def plate_is_valid(plate: str) -> bool:
    """Tell whether a normalised plate is a mainland civil motor-vehicle plate (GA 36-2018).

    Accepted shapes, after a province abbreviation and an authority letter (A-Z, not I/O),
    with letters never I or O:

    - ordinary: 5 letters or digits, e.g. 桂E12345, 桂EA2B45;
    - small new-energy: D (electric) or F (other) + a letter or digit + 4 digits, e.g. 桂ED12345;
    - large new-energy: 5 digits + D or F, e.g. 桂E12345D.

    Trailers (挂), coach (学), police (警), Hong Kong/Macau (港, 澳), consular (领) and
    embassy (使) plates are not accepted.
    """
    return isinstance(plate, str) and _PLATE_SHAPES.fullmatch(plate) is not None


def plate_is_trailer(plate: str) -> bool:
    """Tell whether a plate is a trailer's (ends with 挂); a pass takes the tractor's plate."""
    return normalize_plate(plate).endswith("挂")


def mobile_is_valid(phone: str) -> bool:
    """Tell whether phone is an 11-digit mainland mobile number."""
    return isinstance(phone, str) and _MOBILE_SHAPE.fullmatch(phone) is not None


def mask_name(name: str) -> str:
    """Mask a name, keeping its first character and, from three characters on, its last."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    # One star whatever the length: a star per character would leak the length and grow the QR.
    return name[0] + "*" + name[-1]


def id_last4(number: str) -> str:
    """Return the last four characters of an ID number, with the check character upper-cased."""
    return number.strip().upper()[-4:]


def resident_id_birth_date(number: str) -> date:
    """The birth date written in a valid resident ID number (characters 7 to 14)."""
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
