"""Option groups and choices of a custom-build product (DOMAIN.md rules 14 and 23).

A choice carries a price delta and a lead-time delta: the quote of a build is the base price
and lead time plus those of its choices. A choice that a build request already chose stays
(its quote must still read); it cannot be removed.
"""

from __future__ import annotations

import re
from decimal import Decimal

from tortoise.transactions import in_transaction

from domain import numbers
from domain.catalog.change_log import audit
from domain.catalog.checks import MAX_LEAD_DAYS, MAX_PRICE
from domain.catalog.models import OptionChoice, OptionGroup, Product
from domain.context import Context
from domain.errors import Conflict, InvalidInput, NotFound
from domain.validation import clean_text
from domain.vocabulary import AvailabilityMode

_DELTA = re.compile(r"-?[0-9]{1,10}(\.[0-9]{1,2})?")


def clean_delta(value: object, *, field: str = "priceDelta") -> Decimal:
    text = format(value, "f") if isinstance(value, Decimal) else str(value or "0").strip()
    if not _DELTA.fullmatch(text):
        raise InvalidInput("Enter an amount such as 150.00 or -20.00.", field=field)
    amount = Decimal(text).quantize(Decimal("0.01"))
    if abs(amount) > MAX_PRICE:
        raise InvalidInput(f"Enter at most {MAX_PRICE:,}.", field=field)
    return amount


async def add_option_group(
    product_id: int, name: str, required: bool = True, *, ctx: Context
) -> int:
    label = clean_text(name, field="name", max_length=100)
    async with in_transaction() as conn:
        product = await Product.filter(id=product_id).using_db(conn).first()
        if product is None:
            raise NotFound("No such product.", field="productId")
        if product.mode != AvailabilityMode.CUSTOM_BUILD:
            raise Conflict("Only a custom-build product has option groups.", field="productId")
        if await OptionGroup.filter(product_id=product_id, name=label).using_db(conn).exists():
            raise Conflict("This product has a group of this name.", field="name")
        position = await OptionGroup.filter(product_id=product_id).using_db(conn).count()
        group = await OptionGroup.create(
            product_id=product_id, name=label, required=required, position=position, using_db=conn
        )
        await audit(conn, ctx, "option_group_added", label, product_id=product_id)
        return group.id


async def add_option_choice(
    group_id: int, name: str, price_delta: object, lead_time_delta_days: object, *, ctx: Context
) -> int:
    label = clean_text(name, field="name", max_length=100)
    price = clean_delta(price_delta)
    days = numbers.whole_number(
        lead_time_delta_days if str(lead_time_delta_days).strip() else 0,
        field="leadTimeDeltaDays",
        minimum=-MAX_LEAD_DAYS,
        maximum=MAX_LEAD_DAYS,
    )
    async with in_transaction() as conn:
        group = await OptionGroup.filter(id=group_id).using_db(conn).first()
        if group is None:
            raise NotFound("No such option group.", field="groupId")
        if await OptionChoice.filter(group_id=group_id, name=label).using_db(conn).exists():
            raise Conflict("This group has a choice of this name.", field="name")
        position = await OptionChoice.filter(group_id=group_id).using_db(conn).count()
        choice = await OptionChoice.create(
            group_id=group_id,
            name=label,
            price_delta=price,
            lead_time_delta_days=days,
            position=position,
            using_db=conn,
        )
        detail = f"{group.name}: {label} ({price:+} , {days:+d} days)"
        await audit(conn, ctx, "option_choice_added", detail, product_id=group.product_id)
        return choice.id


async def remove_option_choice(choice_id: int, *, ctx: Context) -> int:
    """Remove a choice nobody chose; the product's id."""
    async with in_transaction() as conn:
        choice = (
            await OptionChoice.filter(id=choice_id).using_db(conn).prefetch_related("group").first()
        )
        if choice is None:
            raise NotFound("No such choice.", field="choiceId")
        used = await choice.requests.all().using_db(conn).count()  # type: ignore[attr-defined]
        if used:
            raise Conflict(
                f"{used} build requests chose this; it stays so that their quotes read.",
                field="choiceId",
            )
        await OptionChoice.filter(id=choice_id).using_db(conn).delete()
        product_id: int = choice.group.product_id
        await audit(conn, ctx, "option_choice_removed", choice.name, product_id=product_id)
        return product_id
