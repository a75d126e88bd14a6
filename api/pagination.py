"""Relay-style forward pagination: ``first`` (at most 100) and an opaque ``after`` cursor.

A cursor is base64 of ``cursor:`` and a JSON list: the sort key of the last item seen. Lists
are paged by keyset, not by offset, so rows added meanwhile never shift a page.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from typing import Generic, TypeVar

import strawberry

from domain.errors import InvalidInput
from domain.numbers import MAX_ID, cursor_number

MAX_FIRST = 100
DEFAULT_FIRST = 20
_PREFIX = "cursor:"

NodeT = TypeVar("NodeT")


@strawberry.type(description="Where a page of a connection starts and ends.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo

    @strawberry.field(description="The nodes of this page, without their cursors.")
    def nodes(self) -> list[NodeT]:
        return [edge.node for edge in self.edges]


@functools.lru_cache(maxsize=8192, typed=True)  # typed: 1 and True are different cursors
def encode_cursor(*key: object) -> str:
    """A page of 20 products encodes 20 cursors, the same ones page after page."""
    return base64.b64encode((_PREFIX + json.dumps(list(key))).encode()).decode()


def decode_cursor(value: str | None, size: int) -> list[object] | None:
    """The sort key inside ``after``; None for the first page; refused when malformed."""
    if value is None:
        return None
    try:
        text = base64.b64decode(value, validate=True).decode()
        key = json.loads(text[len(_PREFIX) :]) if text.startswith(_PREFIX) else None
    except (binascii.Error, UnicodeDecodeError, ValueError):
        key = None
    if not isinstance(key, list) or len(key) != size:
        raise InvalidInput("This cursor is not valid here.", field="after")
    return key


def int_cursor(value: str | None) -> int | None:
    """The id inside a cursor of a list ordered by id."""
    key = decode_cursor(value, 1)
    if key is None:
        return None
    return cursor_number(key[0], maximum=MAX_ID)


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_FIRST
    if first < 0 or first > MAX_FIRST:
        raise InvalidInput(f"Ask for 0 to {MAX_FIRST} items at a time.", field="first")
    return first


def connection(edges: list[Edge[NodeT]], has_next: bool, after: str | None) -> Connection[NodeT]:
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )
