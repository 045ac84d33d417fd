"""A registration and a colour change, read from the request body into typed values."""
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.db import db
from core.validation import Fields
from core.validators import mobile_is_valid, uscc_is_valid
from whitelist.models import COLOURS, Category


@dataclass(frozen=True)
class Registration:
    code: str  # upper case, check character verified
    name: str
    categories: tuple[str, ...]
    contact_name: str
    contact_phone: str
    address: str


@dataclass(frozen=True)
class NewColour:
    colour: str
    reason: str


def read_registration(data: Mapping) -> Registration:
    """Every field of a registration checked at once; refused by field name."""
    fields = Fields(data)
    code = fields.text("code", max_length=18, check=lambda c: uscc_is_valid(c.upper()),
                       invalid=_l("Not a valid unified social credit code (18 characters, "
                                  "check character per GB 32100)."))
    name = fields.text("name", max_length=100)
    codes = fields.choices("categories", db.session.scalars(select(Category.code)).all())
    contact_name = fields.text("contact_name", max_length=50)
    contact_phone = fields.text("contact_phone", max_length=20, check=mobile_is_valid,
                                invalid=_l("Not a mainland mobile number (11 digits)."))
    address = fields.text("address", max_length=200)
    fields.raise_if_invalid()
    assert code and name and codes and contact_name and contact_phone and address  # required
    return Registration(code=code.upper(), name=name, categories=tuple(codes),
                        contact_name=contact_name, contact_phone=contact_phone, address=address)


def read_colour(data: Mapping) -> NewColour:
    fields = Fields(data)
    colour = fields.choice("colour", COLOURS)
    reason = fields.text("reason", max_length=500)
    fields.raise_if_invalid()
    assert colour and reason  # required, and nothing was refused
    return NewColour(colour=colour, reason=reason)
