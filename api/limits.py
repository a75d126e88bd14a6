"""Query limits: depth, aliases and tokens; in production no introspection, no suggestions.

The validation rules are made once at import. Strawberry's limiters make a new rule class per
extension instance, and extensions are built per request, so their rules would never hit the
validation cache; here the same classes are reused and a validated document is cached.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, validate
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 2000

_LIMITS: tuple[type[ASTValidationRule], ...] = (
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
)
_PRODUCTION = (*_LIMITS, NoSchemaIntrospectionCustomRule)


class Limits(AddValidationRules):
    def __init__(self) -> None:
        super().__init__(list(_LIMITS))


class ProductionLimits(AddValidationRules):
    """The limits, and introspection off: production publishes the committed SDL instead."""

    def __init__(self) -> None:
        super().__init__(list(_PRODUCTION))


class TokenLimit(MaxTokensLimiter):
    def __init__(self) -> None:
        super().__init__(max_token_count=MAX_TOKENS)


# "Did you mean 'products'?" names fields, arguments, types, input fields and enum values: in
# production that would hand out the schema that introspection keeps back. graphql-core 3.3
# can leave the suggestions out (``hide_suggestions``) in validation and in execution (variable
# values); strawberry passes neither, so both are set here.


@functools.lru_cache(maxsize=256)
def _validated(
    schema: GraphQLSchema,
    document: DocumentNode,
    rules: tuple[type[ASTValidationRule], ...],
    hide_suggestions: bool,
) -> list[GraphQLError]:
    """strawberry's ``validate_document`` (its two rules added), with ``hide_suggestions``."""
    every = (*rules, MaybeNullValidationRule, OneOfInputValidationRule)
    return validate(schema, document, every, hide_suggestions=hide_suggestions)


class CachedValidation(SchemaExtension):
    """Validation, cached per document (as strawberry's ValidationCache)."""

    hide_suggestions = False

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        context.pre_execution_errors = _validated(
            context.schema._schema,
            context.graphql_document,
            tuple(context.validation_rules),
            self.hide_suggestions,
        )
        yield


class QuietValidation(CachedValidation):
    """Production: validation errors say what is wrong, never what the schema has instead."""

    hide_suggestions = True


class QuietExecutor(StrawberryGraphQLCoreExecutionContext):
    """Production: coercing variables says what is wrong, never what the schema has instead."""

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:
        kwargs["hide_suggestions"] = True
        return super().build(*args, **kwargs)
