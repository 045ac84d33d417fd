"""zxing-wasm, installed by npm (package-lock.json) and served from this app, never a CDN.

Each file is checked against the SHA-256 pinned here for the pinned version before it is
served, so a tampered or mismatched node_modules cannot put other code on the scanning page.
"""
import hashlib
from functools import cache
from pathlib import Path
from typing import NamedTuple

VERSION = "3.1.4"
PACKAGE = Path("node_modules") / "zxing-wasm"


class VendorFile(NamedTuple):
    path: str  # inside the npm package
    sha256: str
    mimetype: str


# Served as /vendor/zxing/<VERSION>/<name>; the names keep the package's relative layout,
# so reader/index.js finds "../share.js" and locateFile finds the wasm beside it.
FILES = {
    "reader/index.js": VendorFile(
        "dist/es/reader/index.js",
        "d90c69a827aff3b7c8c8ca310efebe91671ef076f7a0ec83722bfc542814f484",
        "text/javascript"),
    "share.js": VendorFile(
        "dist/es/share.js",
        "08868fb770b0a4e4b9eb3d717015cd5fbf3ceb06492d4cb2d2dd2739db11890f",
        "text/javascript"),
    "zxing_reader.wasm": VendorFile(
        "dist/reader/zxing_reader.wasm",
        "e8af31edb56d0522f4de74495839385ef019ba8bc90d38e5ecb2f18795d86fb2",
        "application/wasm"),
}
MODULE = "reader/index.js"
WASM = "zxing_reader.wasm"


class VendorFileMissing(LookupError):
    """The file is not installed: run scripts/setup.sh (npm ci)."""


class VendorFileMismatch(ValueError):
    """The installed file is not the pinned version's."""


def read(root: Path, name: str) -> bytes:
    """The verified bytes of a served file; raise KeyError for a name not served."""
    return _verified(root / PACKAGE / FILES[name].path, FILES[name].sha256)


# Only successes are cached: a fixed node_modules is picked up without a restart.
@cache
def _verified(path: Path, expected: str) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise VendorFileMissing(f"{path} is missing; run scripts/setup.sh") from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise VendorFileMismatch(
            f"{path} has SHA-256 {actual}, not the {expected} of zxing-wasm {VERSION}")
    return data
