"""QR first-render time (fast path vs stock qrcode) and QR size of pass tokens.

Run from the repository root: .venv/bin/python bench/bench_qr.py
"""

import io
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import jwt
import qrcode
from qrcode.constants import ERROR_CORRECT_M

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core import crypto  # noqa: E402
from core.validators import mask_name  # noqa: E402
from passes import qr  # noqa: E402

PASSES = 200
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
SURNAMES = ["欧阳", "司马", "上官", "诸葛", "张", "王", "李"]
COUNTIES = [450502, 450503, 450512, 450521]
VERSION_12_M_BITS = 2320


def longest_claims(rng: random.Random, serial: int) -> dict:
    """Claims with the longest values the validators accept (8 or 7 char plates, 4 char names)."""
    start = 1_658_300_000 + rng.randrange(86400 * 30)
    if serial % 2:
        plate = (
            rng.choice(PROVINCES)
            + rng.choice(LETTERS)
            + rng.choice("DF")
            + rng.choice(LETTERS)
            + f"{rng.randrange(10**4):04d}"
        )
    else:
        plate = (
            rng.choice(PROVINCES)
            + rng.choice(LETTERS)
            + "".join(rng.choices(LETTERS + "0123456789", k=5))
        )
    surname = rng.choice(SURNAMES)
    name = mask_name(surname[0] + "小" + "明华伟芳"[serial % 4] + "华")
    return {
        "jti": f"450500{serial:06d}",
        "nbf": start,
        "exp": start + 15 * 86400,
        "k": 1,
        "e": f"91450500MA5K{rng.randrange(10**5):05d}X",
        "p": plate,
        "n": name,
        "i": f"{rng.randrange(1000):03d}X",
        "t": start - rng.randrange(48 * 3600),
        "c": rng.randint(1, 7),
        "o": rng.choice(COUNTIES),
        "d": rng.choice(COUNTIES),
    }


def sign_escaped(claims: dict, key, kid: str) -> str:
    """PyJWT's default serialisation: non-ASCII as \\u escapes."""
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": kid, "typ": None})


def stock_png(qr_text: str) -> bytes:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=8, border=4)
    for segment in qr.qr_segments(qr_text):
        code.add_data(segment)
    out = io.BytesIO()
    code.make_image().save(out)
    return out.getvalue()


def milliseconds(render, text: str) -> float:
    start = time.perf_counter()
    render(text)
    return (time.perf_counter() - start) * 1000


def timed(texts: list[str]) -> dict[str, list[float]]:
    """Per text, in turn so that both paths see the same machine load."""
    samples = {"matrix": [], "png": [], "fast": [], "stock": []}
    for text in texts:
        samples["fast"].append(milliseconds(qr.render_png, text))
        samples["stock"].append(milliseconds(stock_png, text))
        qr.build_matrix.cache_clear()
        samples["matrix"].append(milliseconds(qr.build_matrix, text))
        samples["png"].append(milliseconds(qr.render_png, text))  # matrix cached
    return samples


def summary(samples: list[float]) -> str:
    p95 = statistics.quantiles(samples, n=20)[-1]
    return f"median {statistics.median(samples):6.2f} ms, p95 {p95:6.2f} ms"


def main() -> None:
    rng = random.Random(2022)
    key, kid = crypto.generate_private_key(), crypto.new_kid()
    claims = [longest_claims(rng, serial) for serial in range(1, PASSES + 1)]
    tokens = [crypto.sign(c, key, kid) for c in claims]
    escaped = [sign_escaped(c, key, kid) for c in claims]
    texts = [qr.to_qr_text(token) for token in tokens]

    start = time.perf_counter()
    qr.render_png(qr.to_qr_text(crypto.sign(claims[0] | {"jti": "0"}, key, kid)))
    cold = (time.perf_counter() - start) * 1000

    print(f"{PASSES} passes, longest legal values, kid of {len(kid)} chars, level M")
    print("\n| claims JSON | token chars | QR text chars | QR versions |")
    print("| --- | --- | --- | --- |")
    for label, signed in (
        ("UTF-8 (ensure_ascii=False, used)", tokens),
        ("\\u escaped (PyJWT default)", escaped),
    ):
        short, long = min(map(len, signed)), max(map(len, signed))
        versions = Counter(qr.qr_version(qr.to_qr_text(token)) for token in signed)
        spread = ", ".join(f"v{v}: {n}" for v, n in sorted(versions.items()))
        print(f"| {label} | {short}-{long} | {2 * short + 4}-{2 * long + 4} | {spread} |")
    # Bits of the two segments (v10-26 count fields) against version 12 at M.
    longest = max(len(token) for token in tokens)
    digits = 2 * longest
    bits = 4 + 11 + 22 + 4 + 12 + 10 * (digits // 3) + (0, 4, 7)[digits % 3]
    header, payload, signature = max(tokens, key=len).split(".")
    parts = f"header {len(header)} + payload {len(payload)} + signature {len(signature)}"
    print(f"\nlongest token: {parts} + 2 dots")
    print(
        f"its QR data: {bits} bits; version 12-M holds {VERSION_12_M_BITS} (a token <= 340 chars)"
    )

    samples = timed(texts)
    print(f"\nfirst render in a fresh process (builds the version layout): {cold:.1f} ms")
    print(f"fast matrix only          : {summary(samples['matrix'])}")
    print(f"fast PNG encode only      : {summary(samples['png'])}")
    print(f"fast matrix + PNG         : {summary(samples['fast'])}")
    print(f"qrcode make_image + PNG   : {summary(samples['stock'])}")
    ratio = statistics.median(samples["stock"]) / statistics.median(samples["fast"])
    print(f"ratio (median stock/fast) : {ratio:.1f}x")


if __name__ == "__main__":
    main()
