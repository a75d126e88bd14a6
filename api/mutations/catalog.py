"""Staff mutations of the catalogue (scope `catalog`): products, suppliers, stock.

Changes that can move ETAs take ``dryRun``: the same exact preview a PO date change has (the
change made and rolled back), so a client can show "moves N lines, emails K customers, J delay
notices" before it confirms.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types import Info

from api import ids
from api.context import ApiContext
from api.errors import UserError, user_errors
from api.impact import done_counts, previewed_counts
from api.permissions import CATALOG, requires, staff_context
from domain.catalog.checks import ProductData
from domain.catalog_admin.options import add_option_choice, add_option_group, remove_option_choice
from domain.catalog_admin.services import (
    create_product,
    create_supplier,
    preview_product_change,
    preview_supplier_change,
    set_product_active,
    update_product,
    update_supplier,
)
from domain.catalog_admin.stocktake import adjust_stock, preview_stock_adjustment
from domain.errors import DomainError
from domain.ordering.impact import EventImpact
from domain.ordering.queue import Recomputed
from domain.vocabulary import AvailabilityMode, ShippedBy


@strawberry.input
class ProductInput:
    sku: str
    name: str
    price: Decimal
    mode: AvailabilityMode
    description: str = ""
    backorder_policy: str = strawberry.field(
        default="unlimited", description="`none` (sold out means sold out), `cap` or `unlimited`."
    )
    backorder_cap: int | None = strawberry.field(
        default=None, description="With policy `cap`: the most units that may wait at once."
    )
    release_date: dt.date | None = None
    lead_time_days: int | None = strawberry.field(
        default=None, description="Overrides the supplier's default lead time."
    )
    supplier_id: strawberry.ID | None = None
    per_order_limit: int | None = None
    shipped_by: ShippedBy | None = strawberry.field(
        default=None,
        description="Who ships it to the customer (rule 25): the shop, the maker (dropship, needs"
        " a supplier), or either, chosen per line at checkout. Null keeps the current way.",
    )

    def data(self) -> ProductData:
        supplier = None
        if self.supplier_id is not None:
            supplier = ids.decode("Supplier", self.supplier_id) or 2**31 - 1  # unknown: not found
        return ProductData(
            sku=self.sku,
            name=self.name,
            price=format(self.price, "f"),
            mode=self.mode.value,
            description=self.description,
            backorders=self.backorder_policy,
            cap=self.backorder_cap,
            release_date=self.release_date,
            lead_time_days=self.lead_time_days,
            supplier_id=supplier,
            per_order_limit=self.per_order_limit,
            shipped_by=self.shipped_by.value if self.shipped_by is not None else None,
        )


@strawberry.input
class SupplierInput:
    name: str
    email: str = ""
    lead_time_days: int = 0
    address: str = ""


@strawberry.type(description="What a change did, or with dryRun would do, to the queues.")
class CatalogChangePayload:
    errors: list[UserError] = strawberry.field(default_factory=list)
    dry_run: bool = False
    product_id: strawberry.ID | None = None
    supplier_id: strawberry.ID | None = None
    option_group_id: strawberry.ID | None = None
    option_choice_id: strawberry.ID | None = None
    lines_moved: int = 0
    orders_moved: int = 0
    emails_queued: int = 0
    customers_emailed: int | None = strawberry.field(
        default=None, description="Known for a dry run: distinct customers who would be emailed."
    )
    delay_notices: int = 0
    units_to_backorders: int = 0
    units_taken_back: int = 0

    @staticmethod
    def done(impact: Recomputed, **keys: Any) -> CatalogChangePayload:
        return CatalogChangePayload(**done_counts(impact), **keys)

    @staticmethod
    def previewed(impact: EventImpact, **keys: Any) -> CatalogChangePayload:
        return CatalogChangePayload(**previewed_counts(impact), **keys)


def _product_pk(value: strawberry.ID) -> int:
    return ids.decode("Product", value) or 0


@strawberry.type
class CatalogMutation:
    @strawberry.mutation(
        description="Staff (scope `catalog`): a new product, on sale at once.",
        metadata=requires(CATALOG),
    )
    async def create_product(
        self,
        info: Info[ApiContext, Any],
        input: ProductInput,  # noqa: A002
    ) -> CatalogChangePayload:
        try:
            ctx = await staff_context(info)
            pk = await create_product(input.data(), ctx=ctx)
        except DomainError as error:
            return CatalogChangePayload(errors=user_errors(error))
        return CatalogChangePayload(product_id=ids.encode("Product", pk))

    @strawberry.mutation(
        description="Staff (scope `catalog`): change a product. A change of release date, lead"
        " time, supplier, cap or mode is an ETA event; `reason` is what customers read;"
        " `dryRun` previews it exactly and keeps nothing.",
        metadata=requires(CATALOG),
    )
    async def update_product(
        self,
        info: Info[ApiContext, Any],
        product_id: strawberry.ID,
        input: ProductInput,  # noqa: A002
        reason: str = "",
        dry_run: bool = False,
    ) -> CatalogChangePayload:
        pk = _product_pk(product_id)
        try:
            ctx = await staff_context(info)
            if dry_run:
                preview = await preview_product_change(pk, input.data(), reason, ctx=ctx)
                return CatalogChangePayload.previewed(preview, product_id=product_id)
            saved = await update_product(pk, input.data(), reason, ctx=ctx)
        except DomainError as error:
            return CatalogChangePayload(errors=user_errors(error))
        return CatalogChangePayload.done(saved.impact, product_id=product_id)

    @strawberry.mutation(
        description="Staff (scope `catalog`): stop selling a product (`active: false`), or"
        " sell it again. Its orders, queue and history stay.",
        metadata=requires(CATALOG),
    )
    async def set_product_active(
        self, info: Info[ApiContext, Any], product_id: strawberry.ID, active: bool
    ) -> CatalogChangePayload:
        try:
            ctx = await staff_context(info)
            await set_product_active(_product_pk(product_id), active, ctx=ctx)
        except DomainError as error:
            return CatalogChangePayload(errors=user_errors(error))
        return CatalogChangePayload(product_id=product_id)

    @strawberry.mutation(
        description="Staff (scope `catalog`): a new supplier.", metadata=requires(CATALOG)
    )
    async def create_supplier(
        self,
        info: Info[ApiContext, Any],
        input: SupplierInput,  # noqa: A002
    ) -> CatalogChangePayload:
        try:
            ctx = await staff_context(info)
            pk = await create_supplier(
                input.name, input.email, input.lead_time_days, input.address, ctx=ctx
            )
        except DomainError as error:
            return CatalogChangePayload(errors=user_errors(error))
        return CatalogChangePayload(supplier_id=ids.encode("Supplier", pk))

    @strawberry.mutation(
        description="Staff (scope `catalog`): change a supplier; a new default lead time moves"
        " the products that use it (`dryRun` previews it).",
        metadata=requires(CATALOG),
    )
    async def update_supplier(
        self,
        info: Info[ApiContext, Any],
        supplier_id: strawberry.ID,
        input: SupplierInput,  # noqa: A002
        reason: str = "",
        dry_run: bool = False,
    ) -> CatalogChangePayload:
        pk = ids.decode("Supplier", supplier_id) or 0
        args = (pk, input.name, input.email, input.lead_time_days, input.address, reason)
        try:
            ctx = await staff_context(info)
            if dry_run:
                preview = await preview_supplier_change(*args, ctx=ctx)
                return CatalogChangePayload.previewed(preview, supplier_id=supplier_id)
            impact = await update_supplier(*args, ctx=ctx)
        except DomainError as error:
            return CatalogChangePayload(errors=user_errors(error))
        return CatalogChangePayload.done(impact, supplier_id=supplier_id)

    @strawberry.mutation(
        description="Staff (scope `catalog`): a stock count (`quantity` is the level counted)"
        " or an adjustment (`damage`, `return`, `found`: units). Units found fill the queue"
        " first; units lost beyond free stock are taken back from the newest allocations.",
        metadata=requires(CATALOG),
    )
    async def adjust_stock(
        self,
        info: Info[ApiContext, Any],
        product_id: strawberry.ID,
        reason: str,
        quantity: int,
        note: str = "",
        dry_run: bool = False,
    ) -> CatalogChangePayload:
        pk = _product_pk(product_id)
        try:
            ctx = await staff_context(info)
            if dry_run:
                preview = await preview_stock_adjustment(pk, reason, quantity, note, ctx=ctx)
                return CatalogChangePayload.previewed(preview, product_id=product_id)
            done = await adjust_stock(pk, reason, quantity, note, ctx=ctx)
        except DomainError as error:
            return CatalogChangePayload(errors=user_errors(error))
        return CatalogChangePayload.done(
            done.impact,
            product_id=product_id,
            units_to_backorders=done.to_queue,
            units_taken_back=done.taken_back,
        )

    @strawberry.mutation(
        description="Staff (scope `catalog`): an option group of a custom-build product.",
        metadata=requires(CATALOG),
    )
    async def add_option_group(
        self,
        info: Info[ApiContext, Any],
        product_id: strawberry.ID,
        name: str,
        required: bool = True,
    ) -> CatalogChangePayload:
        try:
            ctx = await staff_context(info)
            pk = await add_option_group(_product_pk(product_id), name, required, ctx=ctx)
        except DomainError as error:
            return CatalogChangePayload(errors=user_errors(error))
        return CatalogChangePayload(
            product_id=product_id, option_group_id=ids.encode("OptionGroup", pk)
        )

    @strawberry.mutation(
        description="Staff (scope `catalog`): a choice in an option group, with the price and"
        " lead-time change it makes to a build's quote.",
        metadata=requires(CATALOG),
    )
    async def add_option_choice(
        self,
        info: Info[ApiContext, Any],
        option_group_id: strawberry.ID,
        name: str,
        price_delta: Decimal = Decimal("0"),
        lead_time_delta_days: int = 0,
    ) -> CatalogChangePayload:
        try:
            ctx = await staff_context(info)
            pk = await add_option_choice(
                ids.decode("OptionGroup", option_group_id) or 0,
                name,
                price_delta,
                lead_time_delta_days,
                ctx=ctx,
            )
        except DomainError as error:
            return CatalogChangePayload(errors=user_errors(error))
        return CatalogChangePayload(option_choice_id=ids.encode("OptionChoice", pk))

    @strawberry.mutation(
        description="Staff (scope `catalog`): remove a choice no build request chose.",
        metadata=requires(CATALOG),
    )
    async def remove_option_choice(
        self, info: Info[ApiContext, Any], option_choice_id: strawberry.ID
    ) -> CatalogChangePayload:
        try:
            ctx = await staff_context(info)
            await remove_option_choice(ids.decode("OptionChoice", option_choice_id) or 0, ctx=ctx)
        except DomainError as error:
            return CatalogChangePayload(errors=user_errors(error))
        return CatalogChangePayload(option_choice_id=option_choice_id)
