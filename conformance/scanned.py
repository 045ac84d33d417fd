"""What each case's QR holds: the claims a pass signs and the text made from its token."""
import base64
import io
import json
import zlib

import qrcode
from qrcode.constants import ERROR_CORRECT_M

from conformance.cases import CLOCK, HOME, HOUR, PEER, Case
from conformance.keys import KEYS
from core import crypto
from passtokens import qr

ORIGINS = {HOME: 450502, PEER: 450702}  # any other issuer: Shenzhen's Futian
DESTINATION = 450521
PLATES = {HOME: "桂E12345", PEER: "桂N12345"}
CARGO_DAILY = 2  # "daily", second in CONTRACT.md's category list


def claims_of(case: Case) -> dict:
    """The facts the pass signs (CONTRACT.md, "The QR text")."""
    claims = {
        "jti": case.pass_number, "nbf": case.nbf, "exp": case.exp,
        "k": 1 if case.kind == "vehicle" else 2, "e": case.enterprise,
        "n": "张*明", "i": "123X", "t": CLOCK - case.test_age_h * HOUR,
        "o": ORIGINS.get(case.issuer, 440304), "d": DESTINATION,
    }
    if case.kind == "vehicle":
        claims |= {"p": PLATES.get(case.issuer, "粤B12345"), "c": CARGO_DAILY}
    for name, value in case.edit:
        if value is None:
            del claims[name]
        else:
            claims[name] = value
    return claims


def qr_text_of(case: Case) -> str:
    """The exact text the case's QR holds."""
    if case.form == "text":
        return case.text
    key = KEYS[case.key]
    claims = claims_of(case)
    token = crypto.sign(claims, key.private, key.kid, deflate=True)
    header, payload, signature = token.split(".")
    match case.form:
        case "genuine":
            return qr.to_qr_text(token)
        case "tampered":
            edited = _deflated(claims | {"p": "桂E99999"})
            return qr.to_qr_text(f"{header}.{_b64(edited)}.{signature}")
        case "bare_jws":
            return token
        case "odd_digits":
            return qr.to_qr_text(token)[:-1]
        case "bad_base64":
            return qr.to_qr_text(f"{_not_base64(header)}.{payload}.{signature}")
        case "bad_base64_payload":
            return qr.to_qr_text(f"{header}.{_not_base64(payload)}.{signature}")
        case "no_zip":
            return qr.to_qr_text(crypto.sign(claims, key.private, key.kid))
        case "trailing_data":
            pass_header = {"alg": "ES256", "kid": key.kid, "zip": "DEF"}
            stream = _deflated(claims) + b"\x00\x00"
            return qr.to_qr_text(crypto.sign_compact(pass_header, stream, key.private))
        case "inflation_bomb":
            bomb = _deflated("0" * 2**20)
            pass_header = {"alg": "ES256", "kid": key.kid, "zip": "DEF"}
            return qr.to_qr_text(crypto.sign_compact(pass_header, bomb, key.private))
    raise ValueError(f"no form {case.form!r}")


def png_of(text: str) -> bytes:
    """The QR symbol as PNG: the project's renderer for a pass text (a prefix segment and a
    numeric one, level M), qrcode's own segmenting for any other text."""
    try:
        return qr.render_png(text)
    except qr.BadQrText:
        pass  # not a pass text: still a QR code a verifier may be shown
    symbol = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=qr.BORDER, box_size=8)
    symbol.add_data(text)
    out = io.BytesIO()
    symbol.make_image().save(out)
    return out.getvalue()


def _deflated(value) -> bytes:
    packer = zlib.compressobj(zlib.Z_BEST_COMPRESSION, zlib.DEFLATED, -15)
    data = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    return packer.compress(data) + packer.flush()


def _not_base64(segment: str) -> str:
    """The segment with "A"s appended up to 1 more than a multiple of 4 characters, a length
    unpadded base64url never has."""
    return segment + "A" * ((1 - len(segment)) % 4)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
