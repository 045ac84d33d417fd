"""The sliding-window estimate behind the login limits, on an in-memory counter store."""
from collections import Counter

from core.limits import Window, windows

MINUTE = Window(limit=5, seconds=60)


class Store(Counter):
    """Counts by key, as the database and Redis stores do."""

    def add(self, key, expires_at):
        self[key] += 1
        return self[key]

    def get(self, key):
        return self[key]


def tries(store, at: float, n: int, window: Window = MINUTE) -> list[int | None]:
    return [window.add(store, "account:x", at)[1] for _ in range(n)]


def test_limits_read_from_the_setting():
    assert windows("5 per minute;30 per hour") == [Window(5, 60), Window(30, 3600)]


def test_the_limit_holds_inside_one_window():
    waits = tries(Store(), 1_000_020.0, 7)
    assert waits[:5] == [None] * 5 and all(wait > 0 for wait in waits[5:])


def test_a_burst_across_the_windows_edge_gets_no_fresh_allowance():
    store = Store()
    assert tries(store, 1_000_019.5, 5) == [None] * 5  # the last second of a window
    assert all(wait is not None for wait in tries(store, 1_000_020.5, 3))  # the next


def test_the_previous_windows_count_fades_as_its_overlap_shrinks():
    store = Store()
    tries(store, 1_000_000.0, 5)
    # Half a window later half the previous count still weighs: two more fit, and a third
    # once 2 of its 5 weigh (6 s later).
    assert tries(store, 1_000_050.0, 3) == [None, None, 6]


def test_the_wait_is_when_one_more_try_fits():
    store = Store()
    tries(store, 1_000_000.0, 5)
    wait = tries(store, 1_000_010.0, 1)[0]
    store["account:x:60:16666"] -= 1  # the refused try is given back, as the caller does
    at = 1_000_010.0 + wait
    assert tries(store, at, 1) == [None]
