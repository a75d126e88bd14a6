"""Option groups and choices of custom builds, kept by staff (rules 14 and 23)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.catalog.models import OptionChoice, OptionGroup
from domain.catalog_admin.options import add_option_choice, add_option_group, remove_option_choice
from domain.errors import Conflict, InvalidInput
from domain.vocabulary import AvailabilityMode
from tests import builders as b

pytestmark = pytest.mark.usefixtures("db")


async def test_a_custom_build_gets_groups_and_choices_with_deltas() -> None:
    bike = await b.product(mode=AvailabilityMode.CUSTOM_BUILD, lead_time_days=30)
    group = await add_option_group(bike.id, "Engine", ctx=b.ctx())
    choice = await add_option_choice(group, "V-twin 1200", "1500.00", "14", ctx=b.ctx())
    stored = await OptionChoice.get(id=choice)
    assert (stored.price_delta, stored.lead_time_delta_days) == (Decimal("1500.00"), 14)
    assert (await OptionGroup.get(id=group)).required
    with pytest.raises(Conflict):
        await add_option_group(bike.id, "Engine", ctx=b.ctx())
    await remove_option_choice(choice, ctx=b.ctx())
    assert await OptionChoice.all().count() == 0


@pytest.mark.parametrize(
    ("price", "days", "field"),
    [
        ("lots", "0", "priceDelta"),
        ("١٠", "0", "priceDelta"),
        ("1" * 40, "0", "priceDelta"),
        ("10.00", "٣", "leadTimeDeltaDays"),
        ("10.00", "99999999", "leadTimeDeltaDays"),
    ],
)
async def test_bad_choices_name_their_field(price: str, days: str, field: str) -> None:
    bike = await b.product(mode=AvailabilityMode.CUSTOM_BUILD, lead_time_days=30)
    group = await add_option_group(bike.id, "Colour", ctx=b.ctx())
    with pytest.raises(InvalidInput) as refused:
        await add_option_choice(group, "Red", price, days, ctx=b.ctx())
    assert refused.value.field == field
    assert await OptionChoice.all().count() == 0


async def test_only_a_custom_build_has_option_groups() -> None:
    sofa = await b.product()
    with pytest.raises(Conflict) as refused:
        await add_option_group(sofa.id, "Fabric", ctx=b.ctx())
    assert refused.value.field == "productId"
