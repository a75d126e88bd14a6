"""Request limits: body size (api/http.py), depth, aliases, tokens, cost and list sizes; in
production no introspection and no suggestions. README "Limits" lists them for clients.

The validation rules are made once at import. Strawberry's limiters make a new rule class per
extension instance, and extensions are built per request, so their rules would never hit the
validation cache; here the same classes are reused and a validated document is cached. The
schema's one extension (api/rules.py) applies them.
"""

from __future__ import annotations

import functools
from typing import Any

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, validate
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule
from strawberry.utils.str_converters import to_camel_case

from api.cost import cost_limit_rule
from api.execution import LeanExecutor
from api.pagination import MAX_FIRST
from domain.catalog_admin.images import MAX_IMAGES
from domain.errors import InvalidInput
from domain.ordering.services import MAX_LINES
from domain.reporting.promises import MAX_WEEKS
from domain.webhooks.events import EVENTS
from domain.webhooks.services import MAX_DELIVERIES_LISTED, MAX_SUBSCRIPTIONS

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 2000
# Every object returned costs 1, lists multiply (api/cost.py). Legitimate reads cost less:
# products(first: 100) with availability and option groups 11,402; an order of 100 lines with
# its history, parcels and notices 8,921; README's staff Backlog 19,205; orders(first: 100)
# with their lines' quantities and ETAs 30,201. Refused: 100 orders of 100 lines with their
# ETA history (410,101), five aliased products(first: 100) pages with options (57,010).
MAX_COST = 50_000

# How long each list of the answer may be, for the cost (connections page by `first`).
LIST_SIZES: dict[tuple[str, str], int] = {
    ("Product", "optionGroups"): 10,
    ("OptionGroup", "choices"): 10,
    ("Order", "lines"): MAX_LINES,
    ("Order", "shipments"): 20,
    ("Order", "openDelayNotices"): MAX_LINES,
    ("OrderLine", "etaHistory"): 20,
    ("Shipment", "lines"): MAX_LINES,
    ("CustomBuild", "choices"): 20,
    ("PurchaseOrder", "lines"): 200,
    ("PromiseReport", "weeks"): MAX_WEEKS,
    ("PromiseReport", "suppliers"): 100,  # one per supplier with deliveries, plus stock and none
    ("*", "errors"): 10,  # every mutation payload
    ("Query", "reorderDrafts"): 100,  # one per supplier
    ("RecomputeReorderSuggestionsPayload", "drafts"): 100,
    ("ReorderDraft", "lines"): 200,
    ("Query", "supplierProposals"): 100,
    ("Query", "purchaseOrderFollowUps"): 200,
    ("SupplierPurchaseOrder", "lines"): 200,
    ("Query", "waitlists"): 200,
    ("Query", "webhookSubscriptions"): MAX_SUBSCRIPTIONS,
    ("Query", "webhookDeliveries"): MAX_DELIVERIES_LISTED,
    ("Query", "webhookEvents"): len(EVENTS),
    ("WebhookSubscription", "events"): len(EVENTS),
    ("Product", "images"): MAX_IMAGES,
}
DEFAULT_LIST_SIZE = 100

# How long each list of an input may be: longer is refused, naming the field.
INPUT_LIST_SIZES: dict[tuple[str, str], int] = {
    ("PlaceOrderInput", "lines"): MAX_LINES,
    ("CancelOrderLinesInput", "lines"): MAX_LINES,
    ("CreateShipmentInput", "lines"): MAX_LINES,
    ("CreatePurchaseOrderInput", "lines"): 200,
    ("ReceivePurchaseOrderInput", "lines"): 200,
    ("RequestCustomBuildInput", "choiceIds"): 20,
    ("ProductFilterInput", "modes"): 10,
    ("EditReorderDraftInput", "lines"): 200,
    ("AnswerPurchaseOrderInput", "lines"): 200,
    ("CreateWebhookSubscriptionInput", "events"): len(EVENTS),
    ("UpdateWebhookSubscriptionInput", "events"): len(EVENTS),
}


def list_size(type_name: str, field_name: str) -> int:
    """The bound of a list of the answer (not a connection's page)."""
    return LIST_SIZES.get(
        (type_name, field_name), LIST_SIZES.get(("*", field_name), DEFAULT_LIST_SIZE)
    )


def check_list_sizes(value: object, path: str = "") -> None:
    """InvalidInput naming the first list of an input (or of its parts) that is too long."""
    definition: Any = getattr(type(value), "__strawberry_definition__", None)
    if not getattr(definition, "is_input", False):  # None, an enum, a scalar, an output type
        return
    for field in definition.fields:
        name = field.graphql_name or to_camel_case(field.python_name)
        here = f"{path}{name}"
        items = getattr(value, field.python_name, None)
        if isinstance(items, list):
            cap = INPUT_LIST_SIZES.get((definition.name, name), DEFAULT_LIST_SIZE)
            if len(items) > cap:
                raise InvalidInput(f"Send at most {cap} items in {name}.", field=here)
            for index, item in enumerate(items):
                check_list_sizes(item, f"{here}[{index}].")
        else:
            check_list_sizes(items, f"{here}.")


CostLimit = cost_limit_rule(MAX_COST, list_size, MAX_FIRST)

LIMITS: tuple[type[ASTValidationRule], ...] = (
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
    CostLimit,
)
PRODUCTION_LIMITS = (*LIMITS, NoSchemaIntrospectionCustomRule)  # production publishes the SDL


# "Did you mean 'products'?" names fields, arguments, types, input fields and enum values: in
# production that would hand out the schema that introspection keeps back. graphql-core 3.3
# can leave the suggestions out (``hide_suggestions``) in validation and in execution (variable
# values); strawberry passes neither, so both are set here (api/rules.py and QuietExecutor).


@functools.lru_cache(maxsize=256)
def validated(
    schema: GraphQLSchema,
    document: DocumentNode,
    rules: tuple[type[ASTValidationRule], ...],
    hide_suggestions: bool,
) -> list[GraphQLError]:
    """strawberry's ``validate_document`` (its two rules added), with ``hide_suggestions``;
    cached per document (as strawberry's ValidationCache)."""
    every = (*rules, MaybeNullValidationRule, OneOfInputValidationRule)
    return validate(schema, document, every, hide_suggestions=hide_suggestions)


class QuietExecutor(LeanExecutor):
    """Production: coercing variables says what is wrong, never what the schema has instead."""

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:
        kwargs["hide_suggestions"] = True
        return super().build(*args, **kwargs)
