"""``preorder serve``: migrate, seed an empty store, then run N web processes under uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from settings import Settings

FACTORY = "ops.factory:app_from_env"
MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
SQLITE_ONE_PROCESS = (
    "SQLite serves one process (one connection, one writer at a time); run --workers 1, "
    "or use PostgreSQL (DATABASE_URL=postgres://...) for several web processes"
)


def workers_problem(settings: Settings, workers: int) -> str | None:
    if workers < 1:
        return "--workers must be 1 or more"
    if workers > 1 and settings.database_url.startswith("sqlite"):
        return SQLITE_ONE_PROCESS
    return None


def prepare_directory(directory: str) -> None:
    """Empty the directory before the first process starts: old files would be summed in."""
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for file in path.glob("*.db"):
        file.unlink()


@contextlib.contextmanager
def metrics_directory() -> Iterator[str]:
    """The directory every web process writes its metrics into, emptied before they start.

    PROMETHEUS_MULTIPROC_DIR when the operator names one (kept afterwards), else a private
    temporary directory removed at exit. It is set in the environment before any process
    imports prometheus-client, which reads it at import (so nothing here imports it).
    """
    named = os.environ.get(MULTIPROCESS_DIR_VARIABLE)
    directory = named or tempfile.mkdtemp(prefix="preorder-metrics-")
    prepare_directory(directory)
    os.environ[MULTIPROCESS_DIR_VARIABLE] = directory
    try:
        yield directory
    finally:
        if not named:
            shutil.rmtree(directory, ignore_errors=True)


def serve(settings: Settings, *, workers: int = 1, empty: bool = False) -> int:
    """Migrate, seed the demo store unless ``empty`` or already stocked, run the processes."""
    if problem := workers_problem(settings, workers):
        print(f"preorder serve: {problem}", file=sys.stderr)
        return 2
    from domain.demo import seed_demo_if_empty
    from domain.migrate import migrate

    asyncio.run(migrate(settings.database_url))
    if not empty:
        asyncio.run(seed_demo_if_empty(settings.database_url, settings.policy))
    with metrics_directory():
        import uvicorn

        uvicorn.run(
            FACTORY,
            factory=True,
            workers=workers,
            host=settings.host,
            port=settings.port,
            log_level="info",
            access_log=False,  # ops.requests writes one JSON line per request instead
            proxy_headers=False,  # the app applies FORWARDED_ALLOW_IPS itself (ops.web)
            server_header=False,  # no "Server: uvicorn": the software and its version stay unsaid
        )
    return 0
