"""One issue at a time per worker process.

Every issue in the deployment queues for the same lock: the area's serial row (and, on
SQLite, the write turn), held from numbering the pass to its commit. A worker gains nothing
by working on several issues at once: the others cannot take the lock, and while they read
and check their applications they hold the interpreter that the one with the lock waits
for at each of its statements, so the queue moves slower for everyone. A worker therefore
admits `ISSUING_PER_WORKER` issuing requests at a time (1 by default); the rest wait here,
their bodies already read, holding nothing. Verifying and reading are not limited.
(bench/RESULTS.md, issue 17: with 2 workers x 8 threads, 1.7x the passes per second on
SQLite, 1.2x on PostgreSQL.)
"""
import threading
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import current_app, request

P = ParamSpec("P")
R = TypeVar("R")


def one_issue_at_a_time(view: Callable[P, R]) -> Callable[P, R]:
    """Admit the view's requests as issuing ones: put it under the route's role check, so
    only callers who may issue wait their turn."""

    @wraps(view)
    def admitted(*args: P.args, **kwargs: P.kwargs) -> R:
        request.get_data()  # a slow client sends its body before it is admitted, not after
        with _issuing_slots():
            return view(*args, **kwargs)

    return admitted


def _issuing_slots() -> threading.Semaphore:
    slots = current_app.extensions.get("issuing_slots")
    if slots is None:  # two threads may both get here: setdefault keeps one
        limit = int(current_app.config["ISSUING_PER_WORKER"])
        slots = current_app.extensions.setdefault("issuing_slots", threading.Semaphore(limit))
    return slots
