"""The schema's one extension: token limit, parse cache, the validation limits (cached), and
error masking, each the behaviour of the strawberry extension it replaces.

They were five extensions (``MaxTokensLimiter``, ``ParserCache``, ``AddValidationRules``, a
cached validation and ``MaskErrors``); strawberry builds every extension for every request and
wraps each of its hooks in a context manager per phase, which cost more than executing
``{ __typename }``. Folded into one, each step is also a plain method, so ``ApiSchema.execute``
(api/schema.py) calls them in strawberry's order without the extension runner.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, parse
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import MaskErrors
from strawberry.types import ExecutionResult

from api.errors import should_mask, unavailable
from api.limits import LIMITS, MAX_TOKENS, PRODUCTION_LIMITS, validated
from domain.lru import LruMemo

PARSED = 256  # documents kept parsed (strawberry's ParserCache(maxsize=256) before)

parse_cached = functools.lru_cache(maxsize=PARSED)(parse)

# Validation errors of each document parsed (``parse_cached`` hands out the same document for
# the same text), by the identities of the document and the schema; each entry holds both, so
# neither id is reused while it is kept. ``validated``'s own cache hashes its key, and a
# document's hash is computed over its whole tree (graphql-core's nodes are frozen dataclasses)
# on every request.
_validated: LruMemo[
    tuple[int, int, tuple[type[ASTValidationRule], ...], bool],
    tuple[DocumentNode, GraphQLSchema, list[GraphQLError]],
] = LruMemo(PARSED)


class ApiRules(MaskErrors):
    """Development: the limits, suggestions in errors, introspection allowed."""

    limits: tuple[type[ASTValidationRule], ...] = LIMITS
    hide_suggestions = False

    def __init__(self) -> None:
        super().__init__(should_mask_error=should_mask)

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        """Outages become ``UNAVAILABLE`` errors; other unexpected errors are masked."""
        told = [unavailable(error) or error for error in errors]
        return super()._process_errors(told)

    def begin(self) -> None:
        """Before the operation: the token limit, and the limits added to validation."""
        context = self.execution_context
        context.parse_options["max_tokens"] = MAX_TOKENS
        context.validation_rules = context.validation_rules + self.limits
        self._stream_result_processed = False

    def parse(self) -> None:
        context = self.execution_context
        context.graphql_document = parse_cached(context.query, **context.parse_options)

    def validate(self) -> None:
        """Validation, cached per document (as strawberry's ValidationCache), found by the
        document's identity (``_validated``)."""
        context = self.execution_context
        document = context.graphql_document
        assert document is not None
        schema = context.schema._schema
        rules = tuple(context.validation_rules)
        key = (id(document), id(schema), rules, self.hide_suggestions)
        kept = _validated.get(key)
        if kept is not None and kept[0] is document and kept[1] is schema:
            _validated.move_to_end(key)
            context.pre_execution_errors = kept[2]
            return
        errors = validated(schema, document, rules, self.hide_suggestions)
        _validated.put(key, (document, schema, errors))
        context.pre_execution_errors = errors

    def end(self) -> None:
        """After the operation: the result's errors masked (MaskErrors.on_operation)."""
        if self._stream_result_processed:
            return
        result = self.execution_context.result
        if isinstance(result, GraphQLExecutionResult | ExecutionResult):
            # ``_process_result`` asks a runtime-checked protocol first (slow); both have errors
            if result.errors:
                result.errors = self._process_errors(result.errors)
        elif initial_result := getattr(result, "initial_result", None):
            self._process_result(initial_result)

    def on_operation(self) -> Iterator[None]:
        self.begin()
        yield
        self.end()

    def on_parse(self) -> Iterator[None]:
        self.parse()
        yield

    def on_validate(self) -> Iterator[None]:
        self.validate()
        yield


class ProductionRules(ApiRules):
    """Production: no introspection, and errors never suggest what the schema has instead."""

    limits = PRODUCTION_LIMITS
    hide_suggestions = True
