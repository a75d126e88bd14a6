"""placeOrder's input is built by its own hook (``_place_order_input``): it must give exactly
what Strawberry's generic conversion gives, for every field, including ones added later."""

from __future__ import annotations

from typing import Any

import pytest
from strawberry.types.arguments import convert_argument
from strawberry.types.base import StrawberryObjectDefinition

from api.mutations.ordering import PlaceOrderInput
from api.schema import schema
from domain.vocabulary import ShipPreference

EVERY_FIELD_SET: dict[str, Any] = {
    "email": "ada@example.com",
    "name": "Ada",
    "shippingAddress": "1 Analytical Way\nLondon",
    "lines": [
        {"sku": "A-1", "quantity": 2, "dropship": True},
        {"sku": "B-2", "quantity": 1, "dropship": False},
    ],
    "shipPreference": ShipPreference.SHIP_COMPLETE,
    "idempotencyKey": "key-1",
    "consentsToWaiting": False,
}
DEFAULTS_LEFT = {
    "email": "ada@example.com",
    "name": "Ada",
    "shippingAddress": "x",
    "lines": [{"sku": "A-1", "quantity": 1, "dropship": None}],
    "shipPreference": ShipPreference.SHIP_WHEN_READY,
    "idempotencyKey": None,
    "consentsToWaiting": None,
}


def _converted(value: dict[str, Any]) -> object:
    return convert_argument(
        value, PlaceOrderInput, schema.schema_converter.scalar_registry, schema.config
    )


@pytest.mark.parametrize("value", [EVERY_FIELD_SET, DEFAULTS_LEFT])
def test_the_hook_builds_what_the_generic_conversion_builds(value: dict[str, Any]) -> None:
    definition: StrawberryObjectDefinition = PlaceOrderInput.__strawberry_definition__  # type: ignore[attr-defined]
    hooked = _converted(value)
    hook, definition.from_input = definition.from_input, None
    try:
        generic = _converted(value)
    finally:
        definition.from_input = hook
    assert hook is not None
    assert hooked == generic
    assert [type(line) for line in hooked.lines] == [type(line) for line in generic.lines]  # type: ignore[attr-defined]


def test_every_field_of_the_input_is_set_in_the_sample() -> None:
    """A field added to ``PlaceOrderInput`` (or its lines) must be added to EVERY_FIELD_SET, so
    that the test above sees the hook forget it."""
    definition: StrawberryObjectDefinition = PlaceOrderInput.__strawberry_definition__  # type: ignore[attr-defined]
    names = {schema.config.name_converter.from_field(f) for f in definition.fields}
    assert names == set(EVERY_FIELD_SET)
    line_type = definition.get_field("lines").type.of_type  # type: ignore[union-attr]
    line_names = {
        schema.config.name_converter.from_field(f)
        for f in line_type.__strawberry_definition__.fields
    }
    assert line_names == set(EVERY_FIELD_SET["lines"][0])
