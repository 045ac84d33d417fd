"""Whose objects an actor reaches: the one object-level access policy every service asks.

The views declare which roles may call them (core.auth.role_required); this says, for an
actor let in, which enterprise's passes, people, batches and notices they reach: the
authority every enterprise's, a clerk only their own. A service reports anything else as
missing, never as forbidden, so that its existence is not given away.
"""
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import ColumnElement, false, true
from sqlalchemy.sql.elements import SQLCoreOperations


class Actor(Protocol):
    """Whoever acts through a service: a signed-in user, or a stand-in for the authority."""

    username: str
    role: str
    enterprise_id: int | None


@dataclass
class Operator:
    """The authority acting without an account: the demo seed, benchmarks, scripts."""

    username: str
    role: str = "admin"
    enterprise_id: int | None = None


def clerk_of(actor: Actor) -> int | None:
    """The id of the enterprise the actor is a clerk of, if any."""
    return actor.enterprise_id if actor.role == "enterprise" else None


def acts_for(actor: Actor, enterprise_id: int | None) -> bool:
    """Whether the actor is a clerk of this enterprise: only they act on its objects."""
    own = clerk_of(actor)
    return own is not None and own == enterprise_id


def may_see(actor: Actor, enterprise_id: int | None) -> bool:
    """Whether the actor may see this enterprise's objects: the authority all, a clerk its own."""
    return actor.role == "admin" or acts_for(actor, enterprise_id)


def acting_for(actor: Actor, enterprise_id: SQLCoreOperations[int]) -> ColumnElement[bool]:
    """SQL: acts_for, over a column of enterprise ids."""
    own = clerk_of(actor)
    return false() if own is None else enterprise_id == own


def visible_to(actor: Actor, enterprise_id: SQLCoreOperations[int]) -> ColumnElement[bool]:
    """SQL: may_see, over a column of enterprise ids."""
    return true() if actor.role == "admin" else acting_for(actor, enterprise_id)
