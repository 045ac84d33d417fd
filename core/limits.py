"""Rate-limit counters that every worker and instance shares: in Redis when REDIS_URL is
set, otherwise in the database, never in one process's memory (gunicorn runs two
workers by default, and each would count on its own)."""
import math
import time
from dataclasses import dataclass
from typing import Protocol

import redis
from flask import Flask, current_app
from limits import parse_many
from sqlalchemy import BigInteger, String, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Model, db


class RateCounter(Model):
    """One counter for one fixed window; rows past use are deleted as new ones come."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    count: Mapped[int]
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)  # Unix seconds

    def __repr__(self) -> str:
        return f"<RateCounter {self.key}={self.count}>"


class Counters(Protocol):
    """Where the counts live: the database or Redis."""

    def add(self, key: str, expires_at: int) -> int: ...

    def get(self, key: str) -> int: ...

    def give_back(self, key: str) -> None: ...


@dataclass(frozen=True)
class Window:
    """At most `limit` in any `seconds`-long stretch, estimated as a sliding window: this
    fixed window's count plus the previous one's, weighted by how much of it still overlaps.
    A burst across a window's edge gets no fresh allowance, as it would with fixed windows."""

    limit: int
    seconds: int

    def key(self, name: str, index: int) -> str:
        return f"{name}:{self.seconds}:{index}"

    def add(self, store: Counters, name: str, now: float) -> tuple[str, int | None]:
        """Count one for `name`; its counter's key, and past the limit the seconds to wait."""
        index = int(now) // self.seconds
        key = self.key(name, index)
        # Kept through the next window, where it is the previous count.
        current = store.add(key, expires_at=(index + 2) * self.seconds)
        previous = store.get(self.key(name, index - 1))
        ends = (index + 1) * self.seconds
        if previous * (ends - now) / self.seconds + current <= self.limit:
            return key, None
        return key, self._wait(previous, current - 1, ends, now)

    def _wait(self, previous: int, counted: int, ends: int, now: float) -> int:
        """Seconds until one more try fits, once this one is given back."""
        if counted < self.limit:  # the previous window's share has to fade a little more
            free_at = ends - self.seconds * (self.limit - counted - 1) / previous
        else:  # then this window's count becomes the previous one, and fades in turn
            free_at = ends + self.seconds - self.seconds * (self.limit - 1) / counted
        return max(1, math.ceil(free_at - now))


def windows(spec: str) -> list[Window]:
    """'5 per minute;30 per hour' as windows."""
    return [Window(item.amount, item.get_expiry()) for item in parse_many(spec)]


class DatabaseCounters:
    """Counters in a table: one upsert is one atomic increment, on SQLite and PostgreSQL."""

    def add(self, key: str, expires_at: int) -> int:
        dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(RateCounter).values(key=key, count=1, expires_at=expires_at)
            .on_conflict_do_update(index_elements=["key"],
                                   set_={"count": RateCounter.count + 1})
            .returning(RateCounter.count)
        )
        # A connection of its own: the count is committed before the password is checked,
        # whatever becomes of the request's own transaction.
        with db.engine.begin() as connection:
            count: int = connection.scalar(statement)
            if count == 1:  # a new window: the time to sweep away the ended ones
                connection.execute(delete(RateCounter)
                                   .where(RateCounter.expires_at < int(time.time())))
        return count

    def get(self, key: str) -> int:
        with db.engine.connect() as connection:
            count = connection.scalar(select(RateCounter.count).where(RateCounter.key == key))
        return count or 0

    def give_back(self, key: str) -> None:
        with db.engine.begin() as connection:
            connection.execute(update(RateCounter).where(RateCounter.key == key)
                               .values(count=RateCounter.count - 1))


class RedisCounters:
    def __init__(self, url: str, prefix: str):
        self.server = redis.Redis.from_url(url)
        self.prefix = prefix

    def add(self, key: str, expires_at: int) -> int:
        pipe = self.server.pipeline()  # MULTI/EXEC: the increment and its expiry together
        pipe.incr(self.prefix + key)
        pipe.expireat(self.prefix + key, expires_at + 1)
        counted: int = pipe.execute()[0]
        return counted

    def get(self, key: str) -> int:
        return int(self.server.get(self.prefix + key) or 0)

    def give_back(self, key: str) -> None:
        self.server.decr(self.prefix + key)


def counters() -> Counters:
    store: Counters = current_app.extensions["rate_counters"]
    return store


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    prefix = app.config.get("RATELIMIT_KEY_PREFIX") or "lp"
    app.extensions["rate_counters"] = (RedisCounters(url, prefix + ":") if url
                                       else DatabaseCounters())
