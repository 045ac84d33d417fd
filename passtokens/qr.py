"""The QR text of a pass and its QR symbol, rendered as PNG or SVG."""

import io
import itertools
import string
from functools import cache, lru_cache
from typing import NamedTuple

import numpy as np
from PIL import Image
from qrcode import util
from qrcode.constants import ERROR_CORRECT_M
from qrcode.exceptions import DataOverflowError

QR_PREFIX = "LP:/"
BORDER = 4
# SMART Health Cards numeric scheme: each character as ord(c) - 45, two digits.
_OFFSET = ord("-")
_JWS_CHARS = frozenset(string.ascii_letters + string.digits + "-_.")
_CHAR_OF_PAIR = {f"{ord(char) - _OFFSET:02d}": char for char in _JWS_CHARS}
_FINDER_1 = 0b10111010000
_FINDER_2 = 0b00001011101
# The eight data masks of ISO 18004 (row i, column j): True flips the module.
_MASKS = (
    lambda i, j: (i + j) % 2 == 0,
    lambda i, j: i % 2 == 0,
    lambda i, j: j % 3 == 0,
    lambda i, j: (i + j) % 3 == 0,
    lambda i, j: (i // 2 + j // 3) % 2 == 0,
    lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
    lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    lambda i, j: ((i * j) % 3 + (i + j) % 2) % 2 == 0,
)


class BadQrText(ValueError):
    """The text is not a pass QR text."""


class Symbol(NamedTuple):
    """A built QR symbol and the mask it uses."""

    version: int
    mask: int
    modules: np.ndarray  # bool, True = dark, without the quiet zone


def to_qr_text(jws: str) -> str:
    """Write a compact JWS as the numeric QR text."""
    if not jws or not _JWS_CHARS.issuperset(jws):
        raise BadQrText("only base64url characters and dots can be encoded")
    return QR_PREFIX + "".join(f"{ord(char) - _OFFSET:02d}" for char in jws)


def from_qr_text(text: str) -> str:
    """Read the compact JWS back from a QR text; raise BadQrText."""
    if not text.startswith(QR_PREFIX):
        raise BadQrText(f"missing prefix {QR_PREFIX}")
    digits = text[len(QR_PREFIX) :]
    if not digits or not (digits.isascii() and digits.isdigit()):
        raise BadQrText("expected digits after the prefix")
    if len(digits) % 2:
        raise BadQrText("odd number of digits")
    pairs = iter(digits)
    try:
        # map() pulls from `pairs` twice per item: each digit pair in turn.
        return "".join(map(_CHAR_OF_PAIR.__getitem__, map(str.__add__, pairs, pairs)))
    except KeyError:
        raise BadQrText("a digit pair is outside the base64url range") from None


def qr_segments(qr_text: str) -> list[util.QRData]:
    """Split a valid QR text into its alphanumeric prefix and numeric segments."""
    from_qr_text(qr_text)
    # types-qrcode declares the MODE_ constants plain int; QRData's overloads want literals.
    return [
        util.QRData(QR_PREFIX, mode=util.MODE_ALPHA_NUM),  # type: ignore[call-overload]
        util.QRData(qr_text[len(QR_PREFIX) :], mode=util.MODE_NUMBER),  # type: ignore[call-overload]
    ]


def qr_version(qr_text: str) -> int:
    """Return the smallest QR version that holds the text at level M."""
    return _fit(qr_segments(qr_text))


def _fit(segments: list[util.QRData]) -> int:
    """Smallest version at level M, as qrcode's best_fit but without a bit buffer."""
    payload = sum(_payload_bits(segment) for segment in segments)
    limits = util.BIT_LIMIT_TABLE[ERROR_CORRECT_M]
    for version in range(1, 41):
        headers = sum(4 + util.length_in_bits(segment.mode, version) for segment in segments)
        if headers + payload <= limits[version]:
            return version
    raise DataOverflowError("the text does not fit in a QR symbol at level M")


def _payload_bits(segment: util.QRData) -> int:
    count = len(segment)
    if segment.mode == util.MODE_NUMBER:
        return 10 * (count // 3) + (0, 4, 7)[count % 3]
    return 11 * (count // 2) + 6 * (count % 2)  # alphanumeric


@lru_cache(maxsize=128)
def build_matrix(qr_text: str, *, mask: int | None = None) -> Symbol:
    """Build the QR symbol (level M, smallest version) with qrcode's choice of mask."""
    version, candidates = _candidates(qr_text)
    if mask is None:
        mask = _best_mask(candidates)
    modules = candidates[mask].copy()
    _write_format_and_version(modules, version, mask)
    modules.flags.writeable = False  # shared through the cache
    return Symbol(version, mask, modules)


def _candidates(qr_text: str) -> tuple[int, np.ndarray]:
    """The symbol under each of the eight masks, before format information."""
    segments = qr_segments(qr_text)
    version = _fit(segments)
    layout = _layout(version)
    codewords = util.create_data(version, ERROR_CORRECT_M, segments)
    bits = np.unpackbits(np.array(codewords, dtype=np.uint8)).astype(bool)
    unmasked = layout.function.copy()
    rows, cols = layout.data_cells
    unmasked[rows[: bits.size], cols[: bits.size]] = bits  # remainder bits stay light
    return version, unmasked ^ layout.masks


def render_png(qr_text: str, *, scale: int = 8) -> bytes:
    """Render black on white as a 1-bit PNG, quiet zone included."""
    light = np.pad(~build_matrix(qr_text).modules, BORDER, constant_values=True)
    pixels = light.repeat(scale, axis=0).repeat(scale, axis=1)
    image = Image.frombytes("1", pixels.shape[::-1], np.packbits(pixels, axis=1).tobytes())
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def render_svg(qr_text: str, *, module_mm: float | None = None) -> str:
    """Render as SVG: one path of dark modules on a white square, in module units."""
    modules = build_matrix(qr_text).modules
    size = modules.shape[0] + 2 * BORDER
    path = []
    for y, row in enumerate(modules.tolist(), start=BORDER):
        x = BORDER
        for dark, run in itertools.groupby(row):
            width = len(list(run))
            if dark:
                path.append(f"M{x} {y}h{width}v1h-{width}z")
            x += width
    physical = (
        f' width="{size * module_mm:g}mm" height="{size * module_mm:g}mm"' if module_mm else ""
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}"{physical}'
        f' shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(path)}"/></svg>'
    )


# Mask choice: qrcode scores all eight masks with util.lost_point, building the
# symbol eight times in pure Python. The rules below are the same, vectorised
# over the eight candidates; tests check the choice equals qrcode's.
def _best_mask(candidates: np.ndarray) -> int:
    return int(np.argmin(_mask_scores(candidates)))  # first minimum, as qrcode


def _mask_scores(candidates: np.ndarray) -> np.ndarray:
    """util.lost_point of each candidate: format and version areas still light."""
    lines = np.concatenate([candidates, candidates.transpose(0, 2, 1)], axis=1)
    return (
        _run_penalty(lines)
        + _block_penalty(candidates)
        + _finder_penalty(lines)
        + _balance_penalty(candidates)
    )


def _run_penalty(lines: np.ndarray) -> np.ndarray:
    """Rule 1: each run of five or more same-colour modules costs its length - 2."""
    count, height, width = lines.shape
    edges = np.ones((count, height, width + 1), dtype=bool)
    edges[:, :, 1:-1] = lines[:, :, 1:] != lines[:, :, :-1]
    starts = np.flatnonzero(edges)
    # Gaps that span two lines are 1 long, so they never reach five.
    lengths = np.diff(starts)
    owner = starts[:-1] // (height * (width + 1))
    long = lengths >= 5
    return np.bincount(owner[long], weights=lengths[long] - 2, minlength=count).astype(np.int64)


def _block_penalty(candidates: np.ndarray) -> np.ndarray:
    """Rule 2: each same-colour 2x2 block (overlapping) costs 3."""
    corner = candidates[:, :-1, :-1]
    same = (corner == candidates[:, 1:, :-1]) & (corner == candidates[:, :-1, 1:])
    same &= corner == candidates[:, 1:, 1:]
    return 3 * same.sum(axis=(1, 2))


def _finder_penalty(lines: np.ndarray) -> np.ndarray:
    """Rule 3: 1011101 with four light modules on one side, inside the symbol, costs 40."""
    windows = lines.shape[2] - 10
    code = np.zeros((*lines.shape[:2], windows), dtype=np.int16)
    for offset in range(11):
        code = (code << 1) | lines[:, :, offset : offset + windows]
    return 40 * ((code == _FINDER_1) | (code == _FINDER_2)).sum(axis=(1, 2))


def _balance_penalty(candidates: np.ndarray) -> np.ndarray:
    """Rule 4: 10 per full 5 % away from half dark, in qrcode's float64 steps."""
    percent = candidates.sum(axis=(1, 2)) / candidates[0].size
    return 10 * (np.abs(percent * 100 - 50) / 5).astype(np.int64)


class _Layout(NamedTuple):
    """What a version's symbols share, whatever their data."""

    function: np.ndarray  # function patterns, format and version areas light
    data_cells: tuple[np.ndarray, np.ndarray]  # in placement order
    masks: np.ndarray  # (8, n, n): where each mask flips a data module
    format_cells: list[tuple[int, int]]  # bit i of both copies, qrcode's order
    version_cells: list[tuple[int, int]]


@cache
def _layout(version: int) -> _Layout:
    size = version * 4 + 17
    function = np.zeros((size, size), dtype=bool)
    reserved = np.zeros((size, size), dtype=bool)
    finder = np.ones((7, 7), dtype=bool)
    finder[1:6, 1:6] = False
    finder[2:5, 2:5] = True
    for row, col in ((0, 0), (size - 7, 0), (0, size - 7)):
        function[row : row + 7, col : col + 7] = finder
        reserved[max(row - 1, 0) : row + 8, max(col - 1, 0) : col + 8] = True
    alignment = np.ones((5, 5), dtype=bool)
    alignment[1:4, 1:4] = False
    alignment[2, 2] = True
    for row, col in itertools.product(util.pattern_position(version), repeat=2):
        if not reserved[row, col]:
            function[row - 2 : row + 3, col - 2 : col + 3] = alignment
            reserved[row - 2 : row + 3, col - 2 : col + 3] = True
    for i in range(8, size - 8):
        for cell in ((i, 6), (6, i)):
            if not reserved[cell]:
                function[cell], reserved[cell] = i % 2 == 0, True
    format_cells = _format_cells(size)
    version_cells = _version_cells(size) if version >= 7 else []
    for cell in format_cells + version_cells + [(size - 8, 8)]:
        reserved[cell] = True
    rows, cols = np.indices((size, size))
    masks = np.stack([flips(rows, cols) & ~reserved for flips in _MASKS])
    return _Layout(function, _data_cells(reserved), masks, format_cells, version_cells)


def _format_cells(size: int) -> list[tuple[int, int]]:
    vertical = [(i, 8) for i in range(6)] + [(7, 8), (8, 8)] + [(size - 7 + i, 8) for i in range(7)]
    horizontal = [(8, size - 1 - i) for i in range(8)] + [(8, 7)] + [(8, 5 - i) for i in range(6)]
    return vertical + horizontal


def _version_cells(size: int) -> list[tuple[int, int]]:
    top_right = [(i // 3, i % 3 + size - 11) for i in range(18)]
    return top_right + [(col, row) for row, col in top_right]


def _data_cells(reserved: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Data module coordinates in the two-column zigzag order of ISO 18004."""
    size = reserved.shape[0]
    cells = []
    upward = True
    for right in range(size - 1, 0, -2):
        right_col = right - 1 if right <= 6 else right  # step over the timing column
        for row in range(size - 1, -1, -1) if upward else range(size):
            cells += [(row, col) for col in (right_col, right_col - 1) if not reserved[row, col]]
        upward = not upward
    rows, columns = zip(*cells, strict=True)
    return np.array(rows), np.array(columns)


def _write_format_and_version(modules: np.ndarray, version: int, mask: int) -> None:
    layout = _layout(version)
    size = modules.shape[0]
    format_bits = util.BCH_type_info((ERROR_CORRECT_M << 3) | mask)
    for i, cell in enumerate(layout.format_cells):
        modules[cell] = (format_bits >> (i % 15)) & 1
    if layout.version_cells:
        version_bits = util.BCH_type_number(version)
        for i, cell in enumerate(layout.version_cells):
            modules[cell] = (version_bits >> (i % 18)) & 1
    modules[size - 8, 8] = True
