"""Staff mutations of a workshop slip: a later build date for a custom build (scope `builds`)
or for a made-to-order product's waiting lines (scope `catalog`).

Both take ``dryRun``: the exact preview every ETA event has (the change made and rolled back).
``buildDate`` is text (``YYYY-MM-DD``) so that a bad date is a payload error naming the field.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from api import ids
from api.context import ApiContext
from api.errors import UserError, user_errors
from api.impact import done_counts, previewed_counts
from api.permissions import BUILDS, CATALOG, requires, staff_context
from domain.builds.slips import (
    preview_custom_build_slip,
    preview_made_to_order_slip,
    slip_custom_build,
    slip_made_to_order,
)
from domain.errors import DomainError
from domain.ordering.impact import EventImpact
from domain.ordering.queue import Recomputed


@strawberry.type(description="What a workshop slip did, or with dryRun would do, to the lines.")
class BuildSlipPayload:
    errors: list[UserError] = strawberry.field(default_factory=list)
    dry_run: bool = False
    lines_moved: int = 0
    orders_moved: int = 0
    emails_queued: int = 0
    customers_emailed: int | None = strawberry.field(
        default=None, description="Known for a dry run: distinct customers who would be emailed."
    )
    delay_notices: int = 0


def _done(impact: Recomputed) -> BuildSlipPayload:
    return BuildSlipPayload(**done_counts(impact))


def _previewed(impact: EventImpact) -> BuildSlipPayload:
    return BuildSlipPayload(**previewed_counts(impact))


@strawberry.type
class BuildSlipMutation:
    @strawberry.mutation(
        description="Staff (scope `builds`): the workshop will have this accepted custom build"
        " ready on `buildDate` (YYYY-MM-DD, today or later). An ETA event: `reason` is what the"
        " customer reads; `dryRun` previews it exactly and keeps nothing.",
        metadata=requires(BUILDS),
    )
    async def slip_custom_build(
        self,
        info: Info[ApiContext, Any],
        custom_build_id: strawberry.ID,
        build_date: str,
        reason: str,
        dry_run: bool = False,
    ) -> BuildSlipPayload:
        pk = ids.decode("CustomBuild", custom_build_id) or 0
        try:
            ctx = await staff_context(info)
            if dry_run:
                return _previewed(await preview_custom_build_slip(pk, build_date, reason, ctx=ctx))
            done = await slip_custom_build(pk, build_date, reason, ctx=ctx)
        except DomainError as error:
            return BuildSlipPayload(errors=user_errors(error, "slipCustomBuild"))
        return _done(done)

    @strawberry.mutation(
        description="Staff (scope `catalog`): the workshop builds nothing more of this"
        " made-to-order product before `buildDate` (YYYY-MM-DD, today or later): its waiting"
        " lines dated earlier move to it. An ETA event: `reason` is what customers read;"
        " `dryRun` previews it exactly and keeps nothing.",
        metadata=requires(CATALOG),
    )
    async def slip_made_to_order_builds(
        self,
        info: Info[ApiContext, Any],
        product_id: strawberry.ID,
        build_date: str,
        reason: str,
        dry_run: bool = False,
    ) -> BuildSlipPayload:
        pk = ids.decode("Product", product_id) or 0
        try:
            ctx = await staff_context(info)
            if dry_run:
                return _previewed(await preview_made_to_order_slip(pk, build_date, reason, ctx=ctx))
            done = await slip_made_to_order(pk, build_date, reason, ctx=ctx)
        except DomainError as error:
            return BuildSlipPayload(errors=user_errors(error))
        return _done(done)
