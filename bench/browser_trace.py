"""Where a scan's time goes, from a Chromium performance trace of the scanning page.

The page's performance marks appear in the trace (category blink.user_timing) with their wall
clock time; the renderer's main-thread tasks carry both their wall time (dur) and the CPU time
their thread got (tdur). Between two marks, wall time far above CPU time means the page was
waiting: for the network, or for a CPU the machine's other processes held.
"""
import json
from pathlib import Path

CATEGORIES = ["blink.user_timing", "devtools.timeline", "disabled-by-default-devtools.timeline",
              "v8", "toplevel"]


def load(path: Path) -> list[dict]:
    data = json.loads(path.read_bytes())
    return data["traceEvents"] if isinstance(data, dict) else data


def page_marks(events: list[dict]) -> list[dict]:
    return [event for event in events
            if event.get("cat") == "blink.user_timing" and event["name"].startswith("lp:")]


def main_thread_cpu_ms(events: list[dict], marks: list[dict], start: int, end: int) -> float:
    """CPU time the page's main thread got between two trace times (µs), in ms; a task that
    straddles a bound counts in proportion to its wall time inside."""
    thread = (marks[0]["pid"], marks[0]["tid"])
    total = 0.0
    for task in events:
        if (task.get("name") != "RunTask" or task.get("ph") != "X" or not task.get("dur")
                or "tdur" not in task or (task["pid"], task["tid"]) != thread):
            continue
        inside = min(task["ts"] + task["dur"], end) - max(task["ts"], start)
        if inside > 0:
            total += task["tdur"] * inside / task["dur"]
    return total / 1000


def scan_split(path: Path, stages: list[tuple[str, str, str]], slowest: int = 5) -> list[str]:
    """For the slowest scans of a trace: each stage's wall time and main-thread CPU time."""
    events = load(path)
    marks = page_marks(events)
    scans, current = [], {}
    for mark in sorted(marks, key=lambda mark: mark["ts"]):
        current[mark["name"]] = mark["ts"]
        if mark["name"] == "lp:verdict":
            scans.append(current)
            current = {}
    # A scan under way when the trace started has lost its first marks.
    needed = {name for _, start, end in stages for name in (start, end)}
    scans = [scan for scan in scans if needed <= scan.keys()]
    scans.sort(key=lambda scan: scan["lp:frame"] - scan["lp:verdict"])
    rows = ["| scan | " + " | ".join(label for label, _, _ in stages) + " |",
            "| --- |" + " --- |" * len(stages)]
    for number, scan in enumerate(scans[:slowest], 1):
        cells = []
        for _, start, end in stages:
            wall = (scan[end] - scan[start]) / 1000
            cpu = main_thread_cpu_ms(events, marks, scan[start], scan[end])
            cells.append(f"{wall:.1f} / {cpu:.1f}")
        rows.append(f"| {number} | " + " | ".join(cells) + " |")
    return rows
