"""A handover's seals read from its body or form: distinct seal numbers, or the field refused."""
import pytest

from core.validation import Fields
from transfers.inputs import MAX_SEALS, read_seals


def read(value) -> tuple[tuple[str, ...] | None, dict[str, str]]:
    fields = Fields({"seals": value})
    seals = read_seals(fields)
    return seals, {path: str(message) for path, message in fields.errors.items()}


def test_seals_are_read_from_a_list_or_a_text_one_per_line_or_comma():
    assert read([" fz-0001", "FZ-0002 "]) == (("FZ-0001", "FZ-0002"), {})
    assert read("fz-0001\nFZ-0002，FZ-0003") == (("FZ-0001", "FZ-0002", "FZ-0003"), {})


@pytest.mark.parametrize("value", [None, [], "  "])
def test_missing_seals_are_refused(value):
    assert read(value) == (None, {"seals": "Give at least one seal number."})


@pytest.mark.parametrize("value", [7, ["FZ-0001", 2], {"seal": "FZ-0001"}])
def test_seals_of_the_wrong_type_are_refused(value):
    assert read(value) == (None, {"seals": "Must be a list of seal numbers."})


@pytest.mark.parametrize("value, message", [
    (["FZ 0001"], "Not a seal number: FZ 0001 (letters, digits and '-')."),
    ([f"S{index}" for index in range(MAX_SEALS + 1)], f"At most {MAX_SEALS} seals."),
    (["A1", "a1"], "A seal number is given twice."),
])
def test_bad_seals_are_refused_by_name(value, message):
    assert read(value) == (None, {"seals": message})
