"""Geometry for the SVG charts the dashboard draws on the server; templates only place it."""
import math
from dataclasses import dataclass

# Series colours, as SVG fill attributes (the CSP forbids inline styles, not attributes).
PALETTE = ("#0b5cad", "#0f9d8a", "#d97706", "#7c3aed", "#db2777", "#4b5563", "#65a30d",
           "#0891b2")
VERDICT_FILLS = {"pass": "#15803d", "check": "#d97706", "deny": "#b91c1c"}


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2, 4, 6 or 8 times a power of ten at or above value (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 4, 6, 8, 10) if step * power >= value)


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    fill: str
    label: str


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


def stacked_columns(series: list[list[int]], names: list[str], *, width: float = 720,
                    height: float = 200, gap: float = 3) -> tuple[list[Rect], list[Tick]]:
    """One column per slot, stacking each series (checkpoint) bottom-up; plus y-axis ticks."""
    slots = len(series[0]) if series else 0
    totals = [sum(values[i] for values in series) for i in range(slots)]
    top = nice_ceiling(max(totals, default=0))
    column = width / max(slots, 1)
    rects = []
    for i in range(slots):
        base = height
        for index, values in enumerate(series):
            if not values[i]:
                continue
            size = values[i] / top * height
            base -= size
            rects.append(Rect(round(i * column + gap / 2, 2), round(base, 2),
                              round(column - gap, 2), round(size, 2),
                              PALETTE[index % len(PALETTE)], f"{names[index]}: {values[i]}"))
    # Even ceilings (all but 1) put a whole number at half height.
    fractions = (0, 1) if top == 1 else (0, .5, 1)
    ticks = [Tick(round(height - fraction * height, 2), int(top * fraction))
             for fraction in fractions]
    return rects, ticks


def horizontal_bars(values: list[int], *, width: float = 300) -> list[float]:
    """Each value's bar length, the largest filling the width."""
    top = max(values, default=0) or 1
    return [round(value / top * width, 2) for value in values]


def stacked_bar(parts: dict[str, int], fills: dict[str, str], *, width: float = 300,
                scale: int | None = None) -> list[Rect]:
    """One horizontal bar split into its parts, scaled so that `scale` fills the width."""
    scale = scale or sum(parts.values()) or 1
    rects, x = [], 0.0
    for key, value in parts.items():
        if value:
            size = value / scale * width
            rects.append(Rect(round(x, 2), 0, round(size, 2), 1, fills[key], key))
            x += size
    return rects


@dataclass(frozen=True)
class Arc:
    dash: str
    offset: float
    stroke: str
    key: str
    value: int
    share: int


def donut(parts: dict[str, int], fills: dict[str, str], *, radius: float = 60) -> list[Arc]:
    """Arcs of a ring (stroke-dasharray on a circle), clockwise from twelve o'clock."""
    total = sum(parts.values())
    if not total:
        return []
    circumference = 2 * math.pi * radius
    arcs, done = [], 0.0
    for key, value in parts.items():
        if value:
            length = value / total * circumference
            arcs.append(Arc(f"{length:.2f} {circumference - length:.2f}",
                            round(circumference / 4 - done, 2), fills[key], key, value,
                            round(value * 100 / total)))
            done += length
    return arcs
