"""Answering the same catalogue query again without executing it again, when its data held.

A storefront asks the same few catalogue queries over and over, and GraphQL execution (about
0.1 ms per product of ten fields) is most of their cost. So the answer to a catalogue query is
kept with the rows it was built from (``Read``: a re-runnable read and its snapshot). The next
identical request re-runs those reads (the same two indexed queries) and, if every snapshot is
equal and the store's date is the same, answers the bytes it answered before. Nothing is ever
served stale: only execution is skipped, never the reads.

Only documents made entirely of fields listed in ``PURE_FIELDS`` are kept: fields whose values
are computed from their parent's data alone, under root fields whose resolvers record their
reads. Anything else (a loader, a count, a staff field) makes the request uncacheable.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    parse,
    visit,
)

MAX_ENTRIES = 256
MAX_BODY = 4096

# (type, field) pairs whose value depends only on the parent object's data.
PURE_FIELDS = frozenset(
    [("Query", "products"), ("Query", "product")]
    + [("ProductConnection", f) for f in ("edges", "pageInfo", "nodes")]
    + [("ProductEdge", f) for f in ("cursor", "node")]
    + [("PageInfo", f) for f in ("hasNextPage", "hasPreviousPage", "startCursor", "endCursor")]
    + [
        ("Product", f)
        for f in (
            "id",
            "sku",
            "name",
            "description",
            "price",
            "mode",
            "releaseDate",
            "leadTimeDays",
            "availability",
            "splitPreview",
        )
    ]
    + [
        ("Availability", f)
        for f in ("mode", "inStock", "canBackorder", "backorderRemaining", "soldOut", "eta")
    ]
    + [
        ("SplitPreview", f)
        for f in ("quantity", "shipsNow", "waits", "readyEta", "waitingEta", "refused", "available")
    ]
    + [("Eta", f) for f in ("earliest", "latest", "basis")]
)


@dataclass(frozen=True)
class Read:
    """A read a resolver made: run ``again`` and compare with ``snapshot``."""

    again: Callable[[], Awaitable[object]]
    snapshot: object


@dataclass(frozen=True)
class Entry:
    day: dt.date
    reads: tuple[Read, ...]
    body: bytes


class _Checker(Visitor):
    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.pure = True

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: object) -> None:
        if node.operation != OperationType.QUERY:
            self.pure = False

    def enter_field(self, node: FieldNode, *_: object) -> None:
        parent = self.type_info.get_parent_type()
        name = node.name.value
        if name == "__typename":
            return
        if parent is None or (get_named_type(parent).name, name) not in PURE_FIELDS:
            self.pure = False


@functools.lru_cache(maxsize=MAX_ENTRIES)
def is_pure(schema: GraphQLSchema, query: str) -> bool:
    try:
        document: DocumentNode = parse(query, max_tokens=2000)
    except GraphQLError:
        return False
    type_info = TypeInfo(schema)
    checker = _Checker(type_info)
    visit(document, TypeInfoVisitor(type_info, checker))
    return checker.pure


class ResponseCache:
    """Per process, bounded; keyed by the exact request body."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self.entries: OrderedDict[bytes, Entry] = OrderedDict()

    async def answer(self, body: bytes, day: dt.date) -> bytes | None:
        """The kept answer if its reads still hold, else None (and the entry is dropped).

        Requests run concurrently: while this one awaits its reads, another may drop the same
        entry, replace it with a newer one, or evict it past the bound. So the entry is touched
        again only if it is still the one read at the start, and only without awaiting between
        the check and the change.
        """
        entry = self.entries.get(body)
        if entry is None:
            return None
        if entry.day != day:
            self._drop(body, entry)
            return None
        for read in entry.reads:
            if await read.again() != read.snapshot:
                self._drop(body, entry)
                return None
        if self.entries.get(body) is entry:
            self.entries.move_to_end(body)
        return entry.body

    def _drop(self, body: bytes, entry: Entry) -> None:
        if self.entries.get(body) is entry:
            del self.entries[body]

    def keep(self, body: bytes, day: dt.date, reads: list[Read], answer: bytes) -> None:
        if not reads or len(body) > MAX_BODY or b'"errors"' in answer:
            return
        try:
            query = json.loads(body).get("query")
        except (ValueError, AttributeError):
            return
        if not isinstance(query, str) or not is_pure(self.schema, query):
            return
        self.entries[body] = Entry(day, tuple(reads), answer)
        self.entries.move_to_end(body)
        while len(self.entries) > MAX_ENTRIES:
            self.entries.popitem(last=False)
