"""Query limits: depth, aliases and tokens, and no introspection in production.

The validation rules are made once at import. Strawberry's limiters make a new rule class per
extension instance, and extensions are built per request, so their rules would never hit the
validation cache; here the same classes are reused and a validated document is cached.
"""

from __future__ import annotations

from graphql import ASTValidationRule
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)

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
