"""A catalogue request leaves nothing for the garbage collector: its context, request and
executor are freed as it ends (no cycle among them), so a busy storefront does not pay for
collections that find a whole request's objects each time (api/http.py, api/execution.py)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from typing import Any

import pytest

from api.context import ApiContext
from api.execution import LeanExecutor
from api.http import GraphQLView
from tests import builders as b
from tests.api.helpers import Api

PAGE = "query P($n: Int!) { products(first: $n) { edges { node { sku price } } } }"


@pytest.fixture
def watched(monkeypatch: pytest.MonkeyPatch) -> list[weakref.ref[Any]]:
    """Weak references to every context, request and executor the requests make."""
    made: list[weakref.ref[Any]] = []
    get_context = GraphQLView.get_context
    init = LeanExecutor.__init__

    async def watched_context(self: GraphQLView, request: Any, response: Any) -> ApiContext:
        context = await get_context(self, request, response)
        made.extend([weakref.ref(context), weakref.ref(request)])
        return context

    def watched_init(self: LeanExecutor, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        made.append(weakref.ref(self))

    monkeypatch.setattr(GraphQLView, "get_context", watched_context)
    monkeypatch.setattr(LeanExecutor, "__init__", watched_init)
    return made


@pytest.fixture
def collector_off() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.mark.parametrize("production", [False, True], ids=["development", "production"])
async def test_a_catalogue_request_leaves_no_cycle_to_collect(
    api: Api,
    production_api: Api,
    production: bool,
    watched: list[weakref.ref[Any]],
    collector_off: None,
) -> None:
    await b.product(sku="GC-1", on_hand=2)
    client = production_api if production else api
    for first in (1, 2):
        assert (await client.data(PAGE, {"n": first}))["products"]["edges"]
    assert len(watched) == 6  # a context, a request and an executor per request
    assert [ref() for ref in watched] == [None] * 6
