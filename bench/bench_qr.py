"""QR first-render time (fast path vs stock qrcode) and QR size of pass tokens.

Run from the repository root: .venv/bin/python bench/bench_qr.py
"""

import io
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import qrcode
from qrcode.constants import ERROR_CORRECT_M

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core import crypto  # noqa: E402
from passtokens import qr, tokens  # noqa: E402
from tests.longest_passes import longest_passes  # noqa: E402

PASSES = 2000  # sized for the version distribution; the timings use the first RENDERED
RENDERED = 200
VERSION_12_M_BITS = 2320


def sign_plain(claims: dict, key, kid: str) -> str:
    """The format before compression: header {"alg", "kid"}, UTF-8 JSON payload."""
    return crypto.sign(claims, key, kid)


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


def versions_of(signed: list[str]) -> str:
    versions = Counter(qr.qr_version(qr.to_qr_text(token)) for token in signed)
    return ", ".join(f"v{version}: {count}" for version, count in sorted(versions.items()))


def main() -> None:
    key, kid = crypto.generate_private_key(), crypto.new_kid()
    passes = longest_passes(PASSES)
    claims = [tokens.claims_for(pass_, cargo) for pass_, cargo in passes]
    tokens_used = [crypto.sign(c, key, kid, deflate=True) for c in claims]
    texts = [qr.to_qr_text(token) for token in tokens_used[:RENDERED]]

    start = time.perf_counter()
    qr.render_png(qr.to_qr_text(crypto.sign(claims[0] | {"jti": "0"}, key, kid, deflate=True)))
    cold = (time.perf_counter() - start) * 1000

    personnel = sum(c["k"] == 2 for c in claims)
    print(f"{PASSES} passes ({PASSES - personnel} vehicle, {personnel} personnel), longest "
          f"legal values (tests/longest_passes.py), ES256, level M")
    print("\n| token format | kid | token chars | QR text chars | QR versions |")
    print("| --- | --- | --- | --- | --- |")
    rows = (
        ('zip DEF, raw DEFLATE payload (used)', kid, tokens_used),
        ("zip DEF, raw DEFLATE payload", "k1abcdef",
         [crypto.sign(c, key, "k1abcdef", deflate=True) for c in claims]),
        ("plain UTF-8 JSON payload (before)", "k1abcdef",
         [sign_plain(c, key, "k1abcdef") for c in claims]),
    )
    for label, row_kid, signed in rows:
        short, long = min(map(len, signed)), max(map(len, signed))
        print(f"| {label} | {len(row_kid)} chars | {short}-{long} | {2 * short + 4}-"
              f"{2 * long + 4} | {versions_of(signed)} |")
    vehicle = [t for t, c in zip(tokens_used, claims, strict=True) if c["k"] == 1]
    staff = [t for t, c in zip(tokens_used, claims, strict=True) if c["k"] == 2]
    print(f"\nused format by kind: vehicle {versions_of(vehicle)}; personnel {versions_of(staff)}")
    # Bits of the two segments (v10-26 count fields) against version 12 at M.
    longest = max(tokens_used, key=len)
    digits = 2 * len(longest)
    bits = 4 + 11 + 22 + 4 + 12 + 10 * (digits // 3) + (0, 4, 7)[digits % 3]
    header, payload, signature = longest.split(".")
    parts = f"header {len(header)} + payload {len(payload)} + signature {len(signature)}"
    print(f"longest token: {parts} + 2 dots")
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
