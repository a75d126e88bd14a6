"""Executing a request: fields read from plain attributes take a short path.

Most of an answer is plain data: a product page of 20 is about 300 fields, all but the
``products`` field itself plain attributes of the types in ``api/types`` (built ready by
``Product.of``). For each field graphql-core builds a resolve info, calls the resolver, then
completes the value through its non-null, list, object and leaf layers; for a plain attribute
none of that can change the answer. Here a field that is a plain attribute (strawberry's
"basic" field: no resolver, no extension, no argument, read with ``getattr``) of a scalar or
enum, or of an object or list whose selected fields are all plain attributes too, is built
directly: attributes read, leaves serialised by their type, objects as dicts.

The short path writes nothing until it has the whole value. Anything it does not handle (a
resolver, an argument, a directive, ``@defer``, a type check, an awaitable, an exception, a
null where the schema says non-null) makes it give up the whole field, which then goes the
standard way: read again and reported exactly as graphql-core reports it. Answers are the
same; only the cost differs.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from graphql import (
    DirectiveNode,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfoHelpers,
    Node,
    Undefined,
    is_leaf_type,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from api.encoding import Kept, KeptList
from domain.lru import LruMemo

DEFINITION = GraphQLCoreConverter.DEFINITION_BACKREF


@dataclass(frozen=True)
class _Plain:
    """A plain attribute field: its Python name and its type."""

    name: str
    type: GraphQLOutputType


# Per field definition of the schema (built once per process): None when the field must go
# the standard way.
_plans: dict[int, _Plain | None] = {}

# The completed value of a shared object (``shared_answers``) or list (``SharedList``) for a
# selection of a parsed document (kept by ``ParserCache``: the same field nodes for the same
# query text), by their identities; each entry holds both, so neither id is reused while it is
# kept. Only documents without directives (``_static``), only selections of one field node.
# Bounded, least recently used first out.
ANSWERS_SIZE = 8192
DOCUMENTS_SIZE = 256
_shared: set[type] = set()
_SHARED = "_answer_shared"  # in an object's __dict__: this one object is shared (shared_answer)
_answers: LruMemo[tuple[int, int], tuple[Any, Any, Kept | KeptList]] = LruMemo(ANSWERS_SIZE)
_documents: OrderedDict[int, tuple[Any, bool]] = OrderedDict()
T = TypeVar("T")


def _plan(field: GraphQLField) -> _Plain | None:
    key = id(field)
    if key not in _plans:
        definition = (field.extensions or {}).get(DEFINITION)
        plain = (
            not field.args
            and getattr(field.resolve, "_is_default", False)
            and isinstance(definition, StrawberryField)
            and definition.is_basic_field
            and definition.default_resolver is getattr
        )
        _plans[key] = _Plain(definition.python_name, field.type) if plain else None  # type: ignore[union-attr]
    return _plans[key]


class LeanExecutor(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.async_helpers = _helpers(self)
        # Each selection's plain fields, or None where it needs the standard way (a resolver,
        # an argument...), by the id of its field list (kept by graphql-core for the request).
        self._selections: dict[int, list[tuple[str, Any, _Plain | None]] | None] = {}

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        if not _wraps_resolvers(self.middleware_manager):
            node = field_details_list[0].node
            field = parent_type.fields.get(node.name.value)
            if field is not None and not node.arguments and not node.directives:
                plain = _plan(field)
                if plain is not None:
                    try:
                        value = self._value(
                            plain.type, field_details_list, getattr(source, plain.name)
                        )
                    except Exception:  # noqa: BLE001 - the standard way reports it
                        value = Undefined
                    if value is not Undefined:
                        return value
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def _value(self, kind: GraphQLOutputType, details: Any, value: Any) -> Any:
        """The completed value, or ``Undefined`` to go the standard way."""
        nullable = not isinstance(kind, GraphQLNonNull)
        if not nullable:
            kind = kind.of_type  # type: ignore[union-attr]
        if value is None:
            return None if nullable else Undefined
        if isinstance(value, Exception) or self.is_awaitable(value):
            return Undefined
        if is_leaf_type(kind):
            coerced = kind.coerce_output_value(value)  # type: ignore[union-attr]
            return Undefined if coerced is None else coerced
        if isinstance(kind, GraphQLList):
            if isinstance(value, str | bytes | dict) or not isinstance(value, Iterable):
                return Undefined
            keep = type(value) is SharedList and self._keeps(details)
            if keep and (kept := _kept_answer(value, details)) is not None:
                return kept
            items = KeptList() if keep else []
            for item in value:
                completed = self._value(kind.of_type, details, item)
                if completed is Undefined:
                    return Undefined
                items.append(completed)
            if keep:
                _keep_answer(value, details, items)
            return items
        if isinstance(kind, GraphQLObjectType):
            return self._object(kind, details, value)
        return Undefined  # interfaces and unions: the standard way resolves their type

    def _object(self, kind: GraphQLObjectType, details: Any, source: Any) -> Any:
        key = id(details)
        if key not in self._selections:
            self._selections[key] = self._plain_fields(kind, details)
        fields = self._selections[key]
        if fields is None:
            return Undefined
        keep = (
            type(source) in _shared or _SHARED in getattr(source, "__dict__", ())
        ) and self._keeps(details)
        if keep and (kept := _kept_answer(source, details)) is not None:
            return kept
        out: dict[str, Any] = Kept() if keep else {}
        for response_name, field_details, plain in fields:
            if plain is None:
                out[response_name] = kind.name  # __typename
                continue
            value = self._value(plain.type, field_details, getattr(source, plain.name))
            if value is Undefined:
                return Undefined
            out[response_name] = value
        if keep:
            _keep_answer(source, details, out)
        return out

    def _keeps(self, details: Any) -> bool:
        """Whether a shared value's answer for this selection may be kept: one field node,
        in a document whose selections follow from it alone (``_static``)."""
        return len(details) == 1 and self._static()

    def _static(self) -> bool:
        """Whether this request's selections follow from its document alone: no directive
        anywhere (``@include(if: $v)`` on a fragment makes them depend on the variables)."""
        operation = self.operation
        known = _documents.get(id(operation))
        if known is None or known[0] is not operation:
            fragments = list(self.fragments.values())
            nodes: list[Node] = [operation, *(f.definition for f in fragments)]
            static = not any(f.variable_signatures for f in fragments) and not any(
                _has_directive(node) for node in nodes
            )
            known = (operation, static)
            _documents[id(operation)] = known
            while len(_documents) > DOCUMENTS_SIZE:
                _documents.popitem(last=False)
        return known[1]

    def _plain_fields(
        self, kind: GraphQLObjectType, details: Any
    ) -> list[tuple[str, Any, _Plain | None]] | None:
        """The selected fields of ``kind`` if all are plain attributes (None for __typename)."""
        if kind.is_type_of is not None:
            return None
        grouped, new_defer_usages, _ = self.collect_subfields(kind, details)
        if new_defer_usages:
            return None
        fields: list[tuple[str, Any, _Plain | None]] = []
        for response_name, field_details in grouped.items():
            node = field_details[0].node
            if node.arguments or node.directives:
                return None
            if node.name.value == "__typename":
                fields.append((response_name, field_details, None))
                continue
            field = kind.fields.get(node.name.value)
            plain = _plan(field) if field is not None else None
            if plain is None:
                return None
            fields.append((response_name, field_details, plain))
        return fields


def _kept_answer(source: Any, details: Any) -> Any:
    """The answer kept for ``source`` and this selection's field node, or None."""
    node = details[0].node
    key = (id(source), id(node))
    kept = _answers.get(key)
    if kept is not None and kept[0] is source and kept[1] is node:
        _answers.move_to_end(key)
        return kept[2]
    return None


def _keep_answer(source: Any, details: Any, answer: Any) -> None:
    node = details[0].node
    _answers.put((id(source), id(node)), (source, node, answer))


class SharedList(list):  # type: ignore[type-arg]
    """A list shared between requests and never changed once built, of shared objects (a
    page's edges, kept with its page): its answer for a selection is kept as a shared
    object's is, so a page of 20 edges is one look-up instead of 20."""


def shared_answers(cls: type[T]) -> type[T]:
    """Mark a type whose objects are shared between requests and never changed once built
    (``Product``, built once per catalogue view): the part of an answer built from one is
    kept and handed to the next request with the same document (``_answers``)."""
    _shared.add(cls)
    return cls


def shared_answer(obj: T) -> T:
    """Mark one object as ``shared_answers`` marks a type: shared between requests and never
    changed once built (a product's edge, kept with its product)."""
    obj.__dict__[_SHARED] = True
    return obj


def _helpers(executor: LeanExecutor) -> GraphQLResolveInfoHelpers:
    """The resolvers' async helpers, as graphql-core makes them, without holding the executor.

    graphql-core keeps its own bound methods on the executor (``async_helpers``): a cycle, so
    that the executor and all it holds (the context, the variables, every collected field of
    the request) outlive the request until the garbage collector finds them. A catalogue page
    left about 80 objects a request to it, and collecting them was a tenth of the request's
    CPU. These helpers reach the executor by a weak reference instead: it lives as long as
    its execution, and is freed when its last reference goes.
    """
    ref = weakref.ref(executor)

    def gather(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
        return _alive(ref).gather_async_work(values)

    def track(values: Sequence[Any]) -> None:
        _alive(ref).track_async_work(values)

    return GraphQLResolveInfoHelpers(gather=gather, track=track)


def _alive(ref: weakref.ref[LeanExecutor]) -> LeanExecutor:
    executor = ref()
    if executor is None:  # a resolver kept its info past its execution
        raise RuntimeError("The execution these helpers belonged to has finished.")
    return executor


def _has_directive(node: Node) -> bool:
    if isinstance(node, DirectiveNode):
        return True
    for key in node.keys:
        value = getattr(node, key, None)
        children = value if isinstance(value, tuple | list) else (value,)
        if any(isinstance(child, Node) and _has_directive(child) for child in children):
            return True
    return False


def _wraps_resolvers(manager: Any) -> bool:
    """Whether an extension wraps every resolver (strawberry passes a manager, often empty)."""
    return manager is not None and bool(manager.middlewares)
