"""The short path for plain attributes (api/execution.py) answers exactly as graphql-core does.

Each query runs on one small schema twice: with ``LeanExecutor`` and with strawberry's standard
executor; data and errors must be equal, including errors on the short path's fields.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

import pytest
import strawberry
from graphql import GraphQLObjectType

from api.execution import LeanExecutor, _plan


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Window:
    earliest: dt.date | None
    latest: dt.date | None
    colour: Colour


@strawberry.type
class Item:
    id: strawberry.ID
    name: str
    price: Decimal
    count: int
    note: str | None
    window: Window
    windows: list[Window]
    must: str  # a None here breaks the schema's promise: an error, as graphql-core reports it

    @strawberry.field
    def shout(self, times: int = 1) -> str:
        return self.name.upper() * times

    @strawberry.field
    async def later(self) -> str:
        return self.name

    @strawberry.field
    def broken(self) -> int:
        raise ValueError("no")


def _item(n: int, must: Any = "ok", count: Any = 1) -> Item:
    colour = Colour.RED if n % 2 else Colour.BLUE
    w = Window(earliest=dt.date(2027, 1, n), latest=dt.date(2027, 2, n), colour=colour)
    return Item(
        id=strawberry.ID(f"I{n}"),
        name=f"item {n}",
        price=Decimal("9.50") * n,
        count=count,
        note=None if n % 2 else "note",
        window=w,
        windows=[w, w],
        must=must,
    )


ITEMS = [_item(1), _item(2)]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return ITEMS

    @strawberry.field
    def holed(self) -> list[Item | None]:
        return [_item(3), _item(4, must=None)]

    @strawberry.field
    def wrong(self) -> list[Item]:
        return [_item(5, count="many")]


LEAN = strawberry.Schema(query=Query, execution_context_class=LeanExecutor)
STANDARD = strawberry.Schema(query=Query)

QUERIES = [
    "{ items { id name price count note window { earliest latest colour } } }",
    "{ items { __typename id windows { colour latest } } }",
    "{ items { a: name b: name window { c: colour } } }",
    "{ items { ...F } } fragment F on Item { name window { ...W } }"
    " fragment W on Window { colour }",
    "{ items { name shout(times: 2) later window { colour } } }",
    "query($s: Boolean!) { items { name note @skip(if: $s) window @include(if: $s) { colour } } }",
    "{ items { name broken } }",
    "{ holed { name must } }",
    "{ wrong { name count } }",
]


@pytest.mark.parametrize("query", QUERIES)
async def test_the_short_path_answers_as_graphql_core_does(query: str) -> None:
    lean = await LEAN.execute(query, variable_values={"s": True})
    standard = await STANDARD.execute(query, variable_values={"s": True})
    assert lean.data == standard.data
    assert [e.formatted for e in lean.errors or []] == [e.formatted for e in standard.errors or []]
    assert lean.data is not None or lean.errors


async def test_a_null_in_a_non_null_plain_field_is_the_same_located_error() -> None:
    lean = await LEAN.execute("{ holed { name must } }")
    assert lean.data == {"holed": [{"name": "item 3", "must": "ok"}, None]}
    assert [e.path for e in lean.errors or []] == [["holed", 1, "must"]]


def test_only_plain_attributes_take_the_short_path() -> None:
    item = LEAN._schema.type_map["Item"]
    assert isinstance(item, GraphQLObjectType)
    plain = {name for name, field in item.fields.items() if _plan(field) is not None}
    assert plain == {"id", "name", "price", "count", "note", "window", "windows", "must"}


class Counting(LeanExecutor):
    """Counts the fields that went the standard way (each builds a resolve info)."""

    standard: list[str] = []

    def build_resolve_info(self, field_def: Any, field_nodes: Any, *args: Any) -> Any:
        Counting.standard.append(field_nodes[0].name.value)
        return super().build_resolve_info(field_def, field_nodes, *args)


async def test_plain_fields_build_no_resolve_info_and_the_others_do() -> None:
    schema = strawberry.Schema(query=Query, execution_context_class=Counting)
    Counting.standard.clear()
    result = await schema.execute(QUERIES[0])
    assert result.errors is None and len(result.data["items"]) == 2  # type: ignore[index]
    assert Counting.standard == ["items"]  # 2 items x 10 plain fields took the short path
    Counting.standard.clear()
    await schema.execute("{ items { name shout later window { colour } } }")
    # Items with resolvers go the standard way; their plain name and window take the short one.
    assert sorted(Counting.standard) == ["items", "later", "later", "shout", "shout"]
