"""Accounts: who may act, in which role, for which enterprise or checkpoints."""
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from core.db import Model, UTCDateTime, utcnow

if TYPE_CHECKING:  # checkpoints depends on accounts, not the other way
    from checkpoints.models import Checkpoint
    from whitelist.models import Enterprise

ROLES = ("admin", "enterprise", "officer")


def fold_username(username: str) -> str:
    return username.casefold()


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    # "admin" and "ADMIN" are one account: unique and looked up by the case-folded name.
    username_key: Mapped[str] = mapped_column(String(192), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Raised on logout, deactivation and password change or reset: every session cookie and
    # bearer token made under an older generation stops working at once.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    # Set by an admin's reset: the temporary password only opens the change-password page.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())

    enterprise: Mapped["Enterprise | None"] = relationship(lazy="joined")
    # The checkpoints an officer staffs; checkpoints.staffing assigns them.
    checkpoints: Mapped[list["Checkpoint"]] = relationship(secondary="officer_checkpoints",
                                                         back_populates="officers")

    @validates("username")
    def _fold_username(self, _, username: str) -> str:
        self.username_key = fold_username(username)
        return username

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        # Flask-Login keeps this in the session; the loader refuses a stale generation.
        return f"{self.id}:{self.session_generation}"

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class ApiToken(Model):
    """A bearer token; only its SHA-256 is stored, so a leaked table grants nothing."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The user's session generation when it was issued; valid only while they still match.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    user: Mapped[User] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} user={self.user_id}>"
