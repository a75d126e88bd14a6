"""Numbers from outside are ASCII digits within the range their kind allows, or a typed error
that names the field."""

from __future__ import annotations

import pytest

from domain import numbers
from domain.errors import InvalidInput

NOT_ASCII_DIGITS = ["²", "٣", "１", "1²", "⑦", "٣٣"]


@pytest.mark.parametrize("raw", NOT_ASCII_DIGITS)
def test_digits_of_other_scripts_are_no_number(raw: str) -> None:
    assert raw.isdigit() or not raw.isascii()  # what fooled the old checks
    with pytest.raises(InvalidInput) as refused:
        numbers.quantity(raw, field="lines[0].quantity")
    assert refused.value.field == "lines[0].quantity"
    assert numbers.database_id_or_none(raw) is None
    with pytest.raises(InvalidInput):
        numbers.page_position(raw, field="after")


def test_ids_stop_at_the_largest_32_bit_key() -> None:
    assert numbers.database_id(str(2**31 - 1), field="id") == 2**31 - 1
    for raw in (str(2**31), str(2**63), "9" * 23, "0", "-1", ""):
        assert numbers.database_id_or_none(raw) is None


def test_a_quantity_out_of_range_says_the_range() -> None:
    assert numbers.quantity(" 7 ", field="quantity", maximum=999) == 7
    for raw in ("0", "1000", "-3", "1.5", "1e3", "seven", "9" * 23):
        with pytest.raises(InvalidInput) as refused:
            numbers.quantity(raw, field="quantity", maximum=999)
        assert refused.value.message == "Enter a quantity from 1 to 999."


def test_an_empty_or_zero_page_position_is_the_first_page() -> None:
    assert numbers.page_position(None, field="after") is None
    assert numbers.page_position("", field="after") is None
    assert numbers.page_position("0", field="after") is None
    assert numbers.page_position("12", field="after") == 12
    with pytest.raises(InvalidInput) as refused:
        numbers.page_position("99999999999999999999999", field="after")
    assert (refused.value.field, refused.value.message) == ("after", "This page link is not valid.")


@pytest.mark.parametrize("key", [True, "3", 1.0, -1, 2**31, 10**22, None, [1]])
def test_a_cursor_holds_only_bounded_whole_numbers(key: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        numbers.cursor_number(key, maximum=numbers.MAX_ID)
    assert refused.value.field == "after"


def test_a_declared_body_size_that_is_no_number_is_refused() -> None:
    assert numbers.byte_count(None) == 0
    assert numbers.byte_count("120") == 120
    for raw in ("²", "abc", "-1", "9" * 30):
        with pytest.raises(InvalidInput):
            numbers.byte_count(raw)
