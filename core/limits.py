"""Rate-limit counters that every worker and instance shares: in Redis when REDIS_URL is
set, otherwise in the database, never in one process's memory (gunicorn runs two
workers by default, and each would count on its own)."""
import time
from dataclasses import dataclass

import redis
from flask import Flask, current_app
from limits import parse_many
from sqlalchemy import BigInteger, String, delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from core.db import db


class RateCounter(db.Model):
    """One counter for one fixed window; rows past their window are deleted as new ones come."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    count: Mapped[int]
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)  # Unix seconds

    def __repr__(self) -> str:
        return f"<RateCounter {self.key}={self.count}>"


@dataclass(frozen=True)
class Window:
    """A fixed window: at most `limit` in every `seconds`-long period."""

    limit: int
    seconds: int

    def key(self, name: str, now: float) -> str:
        return f"{name}:{self.seconds}:{int(now) // self.seconds}"

    def ends_at(self, now: float) -> int:
        return (int(now) // self.seconds + 1) * self.seconds


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
            count = connection.scalar(statement)
            if count == 1:  # a new window: the time to sweep away the ended ones
                connection.execute(delete(RateCounter)
                                   .where(RateCounter.expires_at < int(time.time())))
        return count

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
        return pipe.execute()[0]

    def give_back(self, key: str) -> None:
        self.server.decr(self.prefix + key)


def counters() -> DatabaseCounters | RedisCounters:
    return current_app.extensions["rate_counters"]


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    prefix = app.config.get("RATELIMIT_KEY_PREFIX") or "lp"
    app.extensions["rate_counters"] = (RedisCounters(url, prefix + ":") if url
                                       else DatabaseCounters())
