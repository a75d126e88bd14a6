"""The cost of a GraphQL operation, estimated before it runs, and the rule that caps it.

Every object a query can return costs 1; scalars cost nothing. A list multiplies what is below
it by how long it may be: a connection's ``edges`` and ``nodes`` by the ``first`` of the field
that pages it (the largest page, ``MAX_FIRST``, when ``first`` is absent or a variable), any
other list by its size bound (``api.limits.list_size``). Nested lists multiply: 100 orders of
100 lines with 20 ETA changes each cost 100 + 10,000 + 200,000 + 200,000 for each ETA window.
Fragments count where they are spread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    get_named_type,
)

COST_CODE = "COST_LIMIT_EXCEEDED"


def _is_list(type_: GraphQLOutputType) -> bool:
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    return isinstance(inner, GraphQLList)


class Costing:
    """Adds up an operation's cost with the given bounds."""

    def __init__(
        self,
        context: ValidationContext,
        list_size: Callable[[str, str], int],
        max_first: int,
    ) -> None:
        self.context = context
        self.list_size = list_size
        self.max_first = max_first

    def page_size(self, node: FieldNode) -> int:
        for argument in node.arguments or ():
            if argument.name.value == "first" and isinstance(argument.value, IntValueNode):
                return max(0, min(int(argument.value.value), self.max_first))
        return self.max_first

    def selections(
        self,
        selection_set: SelectionSetNode | None,
        parent: GraphQLObjectType,
        multiplier: int,
        page: int,
        spread: frozenset[str],
    ) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, multiplier, page, spread)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.context.schema.get_type(condition.name.value) if condition else parent
                if isinstance(target, GraphQLObjectType):
                    total += self.selections(
                        selection.selection_set, target, multiplier, page, spread
                    )
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.context.get_fragment(name)
                if fragment is None or name in spread:  # unknown or cyclic: other rules refuse it
                    continue
                target = self.context.schema.get_type(fragment.type_condition.name.value)
                if isinstance(target, GraphQLObjectType):
                    total += self.selections(
                        fragment.selection_set, target, multiplier, page, spread | {name}
                    )
        return total

    def field(
        self,
        node: FieldNode,
        parent: GraphQLObjectType,
        multiplier: int,
        page: int,
        spread: frozenset[str],
    ) -> int:
        definition = parent.fields.get(node.name.value)
        if definition is None:  # __typename, or unknown: other rules refuse it
            return 0
        named = get_named_type(definition.type)
        if not isinstance(named, GraphQLObjectType):
            return 0
        if "first" in definition.args:
            page = self.page_size(node)
        size = 1
        if _is_list(definition.type):
            if node.name.value in ("edges", "nodes") and "pageInfo" in parent.fields:
                size = page
            else:
                size = self.list_size(parent.name, node.name.value)
        count = multiplier * size
        return count + self.selections(node.selection_set, named, count, page, spread)


def cost_limit_rule(
    max_cost: int, list_size: Callable[[str, str], int], max_first: int
) -> type[ValidationRule]:
    """A validation rule refusing operations that would cost more than ``max_cost``."""

    class CostLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            root = self.context.schema.get_root_type(node.operation)
            if root is None:
                return
            costing = Costing(self.context, list_size, max_first)
            cost = costing.selections(node.selection_set, root, 1, max_first, frozenset())
            if cost > max_cost:
                self.report_error(
                    GraphQLError(
                        f"This operation would cost {cost:,}, more than the {max_cost:,} allowed:"
                        " ask for fewer items (`first`) or fewer nested lists.",
                        node,
                        extensions={"code": COST_CODE, "cost": cost, "maxCost": max_cost},
                    )
                )

    return CostLimit
