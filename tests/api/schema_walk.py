"""Queries generated from the schema itself: arguments filled by type, fields found by path.

The authorisation and leak tests walk the schema instead of listing fields, so a field added
later is covered without editing them.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    get_named_type,
    is_required_argument,
    is_required_input_field,
)

from api.permissions import Scope, declared
from api.schema import schema as api_schema

SCHEMA: GraphQLSchema = api_schema._schema
ANY_ID = "eHh4"  # any ID: staff permission is checked before anything is looked up
SCALARS = {
    "ID": json.dumps(ANY_ID),
    "String": '"x"',
    "Int": "1",
    "Float": "1.0",
    "Boolean": "true",
    "Date": '"2030-01-01"',
    "DateTime": '"2030-01-01T00:00:00+00:00"',
    "Decimal": '"1"',
}


@dataclass(frozen=True)
class ScopedField:
    type_name: str
    field_name: str
    scope: Scope

    @property
    def id(self) -> str:
        return f"{self.type_name}.{self.field_name}"


def scope_of(field: GraphQLField) -> Scope | None:
    definition = (field.extensions or {}).get("strawberry-definition")
    return declared(getattr(definition, "metadata", None))


def scoped_fields() -> list[ScopedField]:
    """Every field of the schema that declares a scope."""
    found = []
    for type_ in SCHEMA.type_map.values():
        if isinstance(type_, GraphQLObjectType) and not type_.name.startswith("__"):
            for name, field in type_.fields.items():
                if (scope := scope_of(field)) is not None:
                    found.append(ScopedField(type_.name, name, scope))
    return sorted(found, key=lambda f: f.id)


def literal(type_: GraphQLType) -> str:
    """A valid literal of an input type: required fields filled, lists of one."""
    if isinstance(type_, GraphQLNonNull):
        return literal(type_.of_type)
    if isinstance(type_, GraphQLList):
        return f"[{literal(type_.of_type)}]"
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        fields = [
            f"{name}: {literal(field.type)}"
            for name, field in type_.fields.items()
            if is_required_input_field(field)
        ]
        return "{" + ", ".join(fields) + "}"
    return SCALARS[type_.name]  # type: ignore[attr-defined]


def arguments(
    field_name: str,
    field: GraphQLField,
    known: Mapping[str, Mapping[str, str]] | None = None,
    *,
    scoped: bool = False,
) -> str:
    """``(a: ..., b: ...)``: the known values of this field, then every other required one;
    with ``scoped``, also the argument its scope is declared on."""
    given = dict((known or {}).get(field_name, {}))
    scope = scope_of(field)
    if scoped and scope and scope.argument:
        given.setdefault(scope.argument, literal(field.args[scope.argument].type))
    for name, argument in field.args.items():
        if name not in given and is_required_argument(argument):
            given[name] = literal(argument.type)
    return "(" + ", ".join(f"{k}: {v}" for k, v in given.items()) + ")" if given else ""


def leaf_selection(type_: GraphQLType) -> str:
    named = get_named_type(type_)
    if isinstance(named, GraphQLObjectType):
        return " { errors { code } }" if "errors" in named.fields else " { __typename }"
    return ""


def full_selection(type_: GraphQLType, path: tuple[str, ...] = ()) -> str:
    """Every field below an object type, never entering a type already on the path."""
    named = get_named_type(type_)
    if not isinstance(named, GraphQLObjectType):
        return ""
    parts = []
    for name, field in named.fields.items():
        inner = get_named_type(field.type)
        if isinstance(inner, GraphQLObjectType):
            if inner.name in path or inner.name == named.name:
                continue
            parts.append(name + arguments(name, field) + full_selection(inner, (*path, named.name)))
        else:
            parts.append(name + arguments(name, field))
    return " { " + " ".join(parts) + " }"


def path_to(type_name: str, field_name: str, roots: Mapping[str, Mapping[str, str]]) -> str | None:
    """The shortest query from a known, unscoped root field down to ``type_name.field_name``."""
    query_type = SCHEMA.query_type
    assert query_type is not None
    start: list[tuple[str, str, GraphQLObjectType]] = []
    for name, field in query_type.fields.items():
        named = get_named_type(field.type)
        if name in roots and isinstance(named, GraphQLObjectType):
            start.append((name + arguments(name, field, roots), named.name, named))
    queue = deque((prefix, [prefix], named) for prefix, _, named in start)
    seen = {named.name for _, _, named in start}
    while queue:
        _, steps, named = queue.popleft()
        if named.name == type_name:
            inner = named.fields[field_name]
            leaf = field_name + arguments(field_name, inner) + leaf_selection(inner.type)
            return "{ " + " { ".join([*steps, leaf]) + " }" * len(steps) + " }"
        for name, field in named.fields.items():
            inner = get_named_type(field.type)
            if isinstance(inner, GraphQLObjectType) and inner.name not in seen:
                if scope_of(field) is None:
                    seen.add(inner.name)
                    step = name + arguments(name, field)
                    queue.append((step, [*steps, step], inner))
    return None


def root_call(type_name: str, field_name: str) -> str:
    """A whole operation calling one root field with filled arguments."""
    root = SCHEMA.query_type if type_name == "Query" else SCHEMA.mutation_type
    assert root is not None
    field = root.fields[field_name]
    keyword = "query" if type_name == "Query" else "mutation"
    call = field_name + arguments(field_name, field, scoped=True) + leaf_selection(field.type)
    return f"{keyword} {{ {call} }}"


def strings(value: object) -> Iterator[str]:
    """Every string in a JSON answer."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def unscoped_roots() -> dict[str, GraphQLField]:
    """The query root fields a customer may call (an argument-scoped one without it)."""
    query_type = SCHEMA.query_type
    assert query_type is not None
    return {
        name: field
        for name, field in query_type.fields.items()
        if (scope := scope_of(field)) is None or scope.argument is not None
    }
