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
from ops.requests import configure_access_log
from settings import Settings


def app_from_env() -> Starlette:
    configure_access_log()
    return frozen_after_start(create_app(Settings.from_env()))


def frozen_after_start(app: Starlette) -> Starlette:
    """Once started, the objects built so far (schema, templates, ORM models) leave the
    garbage collector's generations: its full passes no longer walk them on each request,
    which is what made p99 several times p50 (STACK.md). ``bench.load`` serves the same way."""
    started = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(served: Any) -> AsyncIterator[Any]:
        async with started(served) as state:
            gc.collect()
            gc.freeze()
            yield state

    app.router.lifespan_context = lifespan
    return app
