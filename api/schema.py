"""The schema, built once per process (per production flag), and its extensions."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from typing import Any

import strawberry
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from graphql.execution.middleware import MiddlewareManager
from strawberry.exceptions import MissingQueryError
from strawberry.execution import optimized_is_awaitable
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.schema.name_converter import NameConverter
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES, _coerce_error
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType
from strawberry.utils.await_maybe import await_maybe

from api.errors import should_mask
from api.execution import LeanExecutor
from api.limits import QuietExecutor
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
from api.rules import ApiRules, ProductionRules

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


_NO_MIDDLEWARE = MiddlewareManager()  # holds nothing per request when it has no middleware


class ApiSchema(strawberry.Schema):
    """``execute`` runs the schema's one extension (api/rules.py) without strawberry's extension
    runner: each step of ``Schema.execute`` in its order, the same errors raised or answered,
    masked or not, logged or not (tests/api/test_lean_view.py answers both ways)."""

    def __init__(self, *, rules: type[ApiRules], lean: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs, extensions=[rules])
        self.rules = rules
        self.lean = lean

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log only what will be masked: expected errors are answers, not incidents."""
        for error in errors:
            if should_mask(error):
                log.error("unexpected error in %s", error.path, exc_info=error.original_error)

    async def execute(  # noqa: PLR0913, PLR0917 - strawberry's signature
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        if (
            not self.lean
            or self.directives
            or self.config.enable_experimental_incremental_execution
        ):
            return await super().execute(
                query,
                variable_values,
                context_value,
                root_value,
                operation_name,
                allowed_operation_types,
                operation_extensions,
            )
        context = self._create_execution_context(
            query=query,
            allowed_operation_types=DEFAULT_ALLOWED_OPERATION_TYPES
            if allowed_operation_types is None
            else allowed_operation_types,
            variable_values=variable_values,
            context_value=context_value,
            root_value=root_value,
            operation_name=operation_name,
            operation_extensions=operation_extensions,
        )
        rules = self.rules()
        rules.execution_context = context
        try:
            rules.begin()  # on_operation, before
            answered = await self._operation(context, rules, operation_extensions)
            rules.end()  # on_operation, after: masks context.result's errors
        except (MissingQueryError, CannotGetOperationTypeError, InvalidOperationTypeError):
            raise
        except Exception as error:  # noqa: BLE001 - as Schema.execute: an answer, not masked
            coerced = _coerce_error(error)
            return self._finish(context, PreExecutionError(data=None, errors=[coerced]))
        if answered is not None:
            return answered
        result = context.result
        assert result is not None
        return self._finish(context, result, process=False)

    async def _operation(
        self,
        context: ExecutionContext,
        rules: ApiRules,
        operation_extensions: dict[str, Any] | None,
    ) -> ExecutionResult | None:
        """Parse, check, validate and execute; an answer made before execution, or None when
        executed (the result in ``context.result``)."""
        if not context.query and context.graphql_document is None:
            raise MissingQueryError
        rules.parse()  # on_parse: a syntax error is answered by ``execute``'s except
        try:
            operation_type = context.operation_type
        except RuntimeError as error:
            raise CannotGetOperationTypeError(context.operation_name) from error
        if operation_type not in context.allowed_operations:
            raise InvalidOperationTypeError(operation_type)
        rules.validate()  # on_validate
        if context.pre_execution_errors:
            errors = context.pre_execution_errors
            return self._finish(context, PreExecutionError(data=None, errors=errors))
        assert context.graphql_document is not None
        result = await await_maybe(
            self._get_execute_function()(
                self._schema,
                context.graphql_document,
                root_value=context.root_value,
                middleware=_NO_MIDDLEWARE,
                variable_values=context.variables,
                operation_name=context.operation_name,
                context_value=context.context,
                is_awaitable=optimized_is_awaitable,
                executor_class=self.execution_context_class,
                operation_extensions=operation_extensions,
            )
        )
        context.result = result
        if isinstance(result, GraphQLExecutionResult) and result.errors:
            context.pre_execution_errors = result.errors
            self._process_errors(result.errors, context)  # logged before they are masked
        return None

    def _finish(
        self, context: ExecutionContext, result: Any, *, process: bool = True
    ) -> ExecutionResult:
        """``Schema._handle_execution_result`` (no extension has results to add)."""
        if result.errors:
            context.pre_execution_errors = result.errors
            if process:
                self._process_errors(result.errors, context)
        if isinstance(result, GraphQLExecutionResult):
            result = ExecutionResult(data=result.data, errors=result.errors)
        result.extensions = dict(context.extensions_results)
        context.result = result
        return result  # type: ignore[no-any-return]


def build_schema(*, production: bool, lean: bool = True) -> ApiSchema:
    """``lean=False``: strawberry's own ``execute``, kept to answer the same requests both ways."""
    return _built(production, lean)  # one key per kind however it is asked for


@functools.cache
def _built(production: bool, lean: bool) -> ApiSchema:
    return ApiSchema(
        query=Query,
        mutation=Mutation,
        rules=ProductionRules if production else ApiRules,
        lean=lean,
        config=StrawberryConfig(name_converter=KeptNames()),
        execution_context_class=QuietExecutor if production else LeanExecutor,
    )


schema = build_schema(
    production=False
)  # the full SDL: `strawberry export-schema api.schema:schema`
