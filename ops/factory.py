"""``ops.factory:app_from_env``: the app for a server that imports it by name.

``preorder serve --workers N`` hands uvicorn this import string (a factory), so that each
worker process builds its own app, ORM pool and metrics files; the README gives the same
string for running uvicorn or gunicorn directly.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette

from app import create_app
from ops.requests import configure_access_log, flush_access_log
from settings import Settings


def app_from_env() -> Starlette:
    configure_access_log()
    return frozen_after_start(create_app(Settings.from_env()))


# Tracked objects allocated (net of those freed) before the collector looks at the youngest:
# 700 by default. A request frees what it made as it ends (tests/api/test_request_garbage.py),
# but eight catalogue requests in flight hold about 2,000 objects between them, so the default
# ran a collection every few requests over objects still in use (about 25 us a request).
# Garbage left in cycles is still collected, past this many objects.
YOUNG_OBJECTS = 10_000


def frozen_after_start(app: Starlette) -> Starlette:
    """Once started, the objects built so far (schema, templates, ORM models) leave the
    garbage collector's generations: its full passes no longer walk them on each request,
    which is what made p99 several times p50 (STACK.md). The youngest generation is then
    collected past ``YOUNG_OBJECTS``. ``bench.load`` serves the same way."""
    started = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(served: Any) -> AsyncIterator[Any]:
        async with started(served) as state:
            gc.collect()
            gc.freeze()
            gc.set_threshold(YOUNG_OBJECTS, *gc.get_threshold()[1:])
            try:
                yield state
            finally:
                flush_access_log()  # the last requests' lines, before the process goes

    app.router.lifespan_context = lifespan
    return app
