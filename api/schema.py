"""The schema, built once per process (per production flag), and its extensions."""

from __future__ import annotations

import functools
import logging
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, ParserCache
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.name_converter import NameConverter
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from api.errors import should_mask, unavailable
from api.execution import LeanExecutor
from api.limits import (
    CachedValidation,
    Limits,
    ProductionLimits,
    QuietExecutor,
    QuietValidation,
    TokenLimit,
)
from api.mutations.build_slips import BuildSlipMutation
from api.mutations.builds import BuildsMutation
from api.mutations.catalog import CatalogMutation
from api.mutations.customers import CustomersMutation
from api.mutations.images import ImagesMutation
from api.mutations.ordering import OrderingMutation
from api.mutations.purchasing import PurchasingMutation
from api.mutations.shipping import ShippingMutation
from api.mutations.supply import SupplyMutation
from api.mutations.waitlist import WaitlistMutation
from api.mutations.webhooks import WebhooksMutation
from api.queries.builds import BuildsQuery
from api.queries.catalog import CatalogQuery
from api.queries.orders import OrdersQuery
from api.queries.purchasing import PurchasingQuery
from api.queries.reports import ReportsQuery
from api.queries.supply import SupplyQuery
from api.queries.webhooks import WebhooksQuery

log = logging.getLogger("preorder.api")

Query = merge_types(
    "Query",
    (
        CatalogQuery,
        OrdersQuery,
        BuildsQuery,
        PurchasingQuery,
        ReportsQuery,
        SupplyQuery,
        WebhooksQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        OrderingMutation,
        CustomersMutation,
        BuildsMutation,
        PurchasingMutation,
        ShippingMutation,
        CatalogMutation,
        SupplyMutation,
        WaitlistMutation,
        WebhooksMutation,
        BuildSlipMutation,
        ImagesMutation,
    ),
)


class MaskUnexpected(MaskErrors):
    """Outages become ``UNAVAILABLE`` errors; other unexpected errors are masked."""

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        told = [unavailable(error) or error for error in errors]
        return super()._process_errors(told)


def _masked() -> MaskErrors:
    return MaskUnexpected(should_mask_error=should_mask)


def _parser_cache() -> ParserCache:
    return ParserCache(maxsize=256)


class KeptNames(NameConverter):
    """Each Python name's GraphQL spelling worked out once: strawberry asks again for every
    argument of every resolver call (``to_camel_case`` was 4% of a catalogue page)."""

    def __init__(self) -> None:
        super().__init__(auto_camel_case=True)
        self._spelled: dict[str, str] = {}

    def apply_naming_config(self, name: str) -> str:
        spelled = self._spelled.get(name)
        if spelled is None:
            spelled = self._spelled[name] = super().apply_naming_config(name)
        return spelled


class ApiSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log only what will be masked: expected errors are answers, not incidents."""
        for error in errors:
            if should_mask(error):
                log.error("unexpected error in %s", error.path, exc_info=error.original_error)


@functools.cache
def build_schema(*, production: bool) -> ApiSchema:
    extensions: list[Any] = [
        TokenLimit,
        _parser_cache,
        ProductionLimits if production else Limits,
        QuietValidation if production else CachedValidation,
        _masked,
    ]
    return ApiSchema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        config=StrawberryConfig(name_converter=KeptNames()),
        execution_context_class=QuietExecutor if production else LeanExecutor,
    )


schema = build_schema(
    production=False
)  # the full SDL: `strawberry export-schema api.schema:schema`
