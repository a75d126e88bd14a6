"""The short path for plain attributes (api/execution.py) answers exactly as graphql-core does.

Each query runs on one small schema twice: with ``LeanExecutor`` and with strawberry's standard
executor; data and errors must be equal, including errors on the short path's fields.
"""

from __future__ import annotations

import datetime as dt
import enum
import gc
import weakref
from decimal import Decimal
from typing import Any

import pytest
import strawberry
from graphql import GraphQLObjectType
from strawberry.extensions import ParserCache

from api.encoding import KeptList
from api.execution import LeanExecutor, SharedList, _helpers, _plan, shared_answers


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


@shared_answers
@strawberry.type
class Shared:
    """Objects built once and handed to every request, as catalogue products are."""

    name: str
    window: Window
    shout_count: int

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()


SHARED = [Shared(name=f"s{n}", window=_item(n).window, shout_count=n) for n in (1, 2)]


# A list handed to every request as a page's edges are (``SharedList``), replaced whole when
# its items change.
LISTED = [SharedList(SHARED)]


@strawberry.type
class SharedPage:
    """Built per request, as a page of edges is; its items are the shared objects, in a list
    built per request (``items``) and in a shared one (``listed``)."""

    items: list[Shared]
    listed: list[Shared]


@strawberry.type
class SharedQuery:
    @strawberry.field
    def shared(self, first: int = 2) -> SharedPage:
        return SharedPage(items=SHARED[:first], listed=LISTED[0])


SHARED_QUERIES = [
    "{ shared { items { name window { colour latest } } } }",
    "{ shared { items { ...S } } } fragment S on Shared { a: name window { colour } }",
    "query($s: Boolean!) { shared { items { name window @include(if: $s) { colour } } } }",
    "query($s: Boolean!) { shared { items { ... on Shared @skip(if: $s) { name } shoutCount } } }",
    "{ shared { items { name shout window { colour } } } }",
    "{ shared { listed { name window { colour latest } } } }",
    "{ shared { listed { ...S } items { name } } } fragment S on Shared { a: name shoutCount }",
    "query($s: Boolean!) { shared { listed { name window @skip(if: $s) { colour } } } }",
    "{ shared { listed { name shout } } }",
    "{ shared { listed { name } other: listed { shoutCount } } }",
]


@pytest.mark.parametrize("query", SHARED_QUERIES)
async def test_answers_kept_for_shared_objects_are_what_graphql_core_answers(query: str) -> None:
    # A parsed document is kept (ParserCache), so its field nodes recur and kept answers apply;
    # a document with directives depends on its variables and is never answered from them.
    lean = strawberry.Schema(
        query=SharedQuery, execution_context_class=LeanExecutor, extensions=[ParserCache]
    )
    standard = strawberry.Schema(query=SharedQuery)
    for variables in ({"s": True, "n": "a"}, {"s": False, "n": "b"}, {"s": True, "n": "c"}):
        got = await lean.execute(query, variable_values=variables)
        expected = await standard.execute(query, variable_values=variables)
        assert got.errors is None and expected.errors is None
        assert got.data == expected.data, variables


async def test_a_shared_object_is_completed_once_per_document_and_a_new_object_again() -> None:
    lean = strawberry.Schema(
        query=SharedQuery, execution_context_class=LeanExecutor, extensions=[ParserCache]
    )
    query = SHARED_QUERIES[0]
    first = await lean.execute(query, variable_values={"n": "1"})
    again = await lean.execute(query, variable_values={"n": "2"})
    assert first.data is not None and again.data is not None
    assert (
        again.data["shared"]["items"][0] is first.data["shared"]["items"][0]
    )  # kept, not completed again
    SHARED[0] = Shared(name="renamed", window=SHARED[0].window, shout_count=1)
    try:
        changed = await lean.execute(query, variable_values={"n": "3"})
    finally:
        SHARED[0] = Shared(name="s1", window=_item(1).window, shout_count=1)
    assert changed.data is not None and changed.data["shared"]["items"][0]["name"] == "renamed"
    directive = SHARED_QUERIES[2]
    one = await lean.execute(directive, variable_values={"s": True})
    two = await lean.execute(directive, variable_values={"s": True})
    assert one.data is not None and two.data is not None
    assert (
        two.data["shared"]["items"][0] is not one.data["shared"]["items"][0]
    )  # never kept: it has directives


async def test_a_shared_list_is_completed_once_per_document_and_a_new_list_again() -> None:
    """A page's edges: one look-up for the whole list while the same list is handed out."""
    lean = strawberry.Schema(
        query=SharedQuery, execution_context_class=LeanExecutor, extensions=[ParserCache]
    )
    query = "{ shared { items { name } listed { name window { colour } } } }"
    first = await lean.execute(query, variable_values={"n": "1"})
    again = await lean.execute(query, variable_values={"n": "2"})
    assert first.data is not None and again.data is not None
    listed = first.data["shared"]["listed"]
    assert type(listed) is KeptList and again.data["shared"]["listed"] is listed
    assert [item["name"] for item in listed] == ["s1", "s2"]
    # A list built per request is completed again each time, its items kept one by one.
    items = first.data["shared"]["items"]
    assert type(items) is list and again.data["shared"]["items"] is not items
    saved = LISTED[0]
    LISTED[0] = SharedList([Shared(name="new", window=SHARED[0].window, shout_count=3)])
    try:
        changed = await lean.execute(query, variable_values={"n": "3"})
    finally:
        LISTED[0] = saved
    assert changed.data is not None
    assert [item["name"] for item in changed.data["shared"]["listed"]] == ["new"]
    directive = SHARED_QUERIES[7]
    one = await lean.execute(directive, variable_values={"s": True})
    two = await lean.execute(directive, variable_values={"s": True})
    assert one.data is not None and two.data is not None
    assert two.data["shared"]["listed"] is not one.data["shared"]["listed"]  # never kept


async def test_a_shared_list_with_a_broken_item_is_never_kept_and_reports_its_error() -> None:
    """An item that breaks the schema's promise (a null name) sends the whole list the
    standard way, every time, with graphql-core's error; nothing of it is kept."""
    lean = strawberry.Schema(
        query=SharedQuery, execution_context_class=LeanExecutor, extensions=[ParserCache]
    )
    standard = strawberry.Schema(query=SharedQuery)
    saved = LISTED[0]
    broken = Shared(name=None, window=SHARED[0].window, shout_count=1)  # type: ignore[arg-type]
    LISTED[0] = SharedList([SHARED[0], broken])
    try:
        query = "{ shared { listed { name } } }"
        answers = [await lean.execute(query) for _ in range(2)]
        expected = await standard.execute(query)
    finally:
        LISTED[0] = saved
    assert expected.errors is not None
    for got in answers:
        assert got.data == expected.data and got.errors is not None
        assert [e.formatted for e in got.errors] == [e.formatted for e in expected.errors]


@strawberry.type
class HelperQuery:
    @strawberry.field
    async def pair(self, info: strawberry.Info) -> list[str]:
        async def one(name: str) -> str:
            return name

        helpers = info._raw_info.async_helpers
        helpers.track([1, "not awaitable"])
        return await helpers.gather([one("a"), one("b")])  # type: ignore[no-any-return]


async def test_the_resolvers_async_helpers_reach_the_executor_while_it_runs() -> None:
    lean = strawberry.Schema(query=HelperQuery, execution_context_class=LeanExecutor)
    standard = strawberry.Schema(query=HelperQuery)
    got, expected = await lean.execute("{ pair }"), await standard.execute("{ pair }")
    assert got.data == expected.data == {"pair": ["a", "b"]}
    assert got.errors is None


async def test_an_executor_is_freed_as_its_execution_ends_not_by_the_garbage_collector() -> None:
    """No cycle keeps it: graphql-core's own helpers would (bound methods of the executor)."""
    made: list[weakref.ref[LeanExecutor]] = []

    class Watched(LeanExecutor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(weakref.ref(self))

    schema = strawberry.Schema(query=Query, execution_context_class=Watched)
    gc.collect()
    gc.disable()
    try:
        result = await schema.execute(QUERIES[4])
        assert result.errors is None and made
        assert all(ref() is None for ref in made)
    finally:
        gc.enable()
    helpers = _helpers(LeanExecutor.__new__(LeanExecutor))  # its executor gone at once
    with pytest.raises(RuntimeError, match="has finished"):
        helpers.track([])
