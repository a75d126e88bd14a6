"""``preorder serve`` as a user starts it: a child process on a free port, real HTTP.

Whatever it writes stays under the test's temporary directory: its database (unless the caller
names one), its development mailbox and its log. The rest of the environment is the caller's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parent.parent
# Settings a developer may have exported that would point the server elsewhere.
UNSET: tuple[str, ...] = ("BASE_URL", "HOST", "PORT", "DATABASE_URL", "MAILBOX_DIR", "SMTP_URL")
UNSET += ("PREORDER_ENV", "MEDIA_DIR")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def isolated_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The caller's environment with the server's own files under ``tmp_path``."""
    env = {key: value for key, value in os.environ.items() if key not in UNSET}
    env["DATABASE_URL"] = f"sqlite://{tmp_path / 'serve.db'}"
    env["MAILBOX_DIR"] = str(tmp_path / "mailbox")
    env["MEDIA_DIR"] = str(tmp_path / "media")
    env.update(settings)
    return env


@contextlib.asynccontextmanager
async def serving(
    tmp_path: Path,
    env: Mapping[str, str],
    port: int,
    *,
    args: Sequence[str] = (),
    through_pipe: bool = False,
) -> AsyncIterator[str]:
    """Run ``cli.py serve`` until /healthz answers 200; yield its base URL; stop it after.
    Its output goes to ``server.log``; ``through_pipe``: through a pipe first, as a process
    manager collects it (writes to a pipe are whole only up to ``PIPE_BUF`` bytes)."""
    log_path = tmp_path / "server.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "cli.py", "serve", *args],
        cwd=ROOT,
        env=dict(env),
        stdout=subprocess.PIPE if through_pipe else log,
        stderr=subprocess.STDOUT,
    )
    copier = None
    if process.stdout is not None:
        copier = threading.Thread(target=_copy, args=(process.stdout, log), daemon=True)
        copier.start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        async with httpx.AsyncClient() as client:
            while True:
                assert process.poll() is None, log_path.read_text()[-3000:]
                try:
                    if (await client.get(f"{base}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        if copier is not None:
            copier.join(timeout=20)
        log.close()


def _copy(source: IO[bytes], log: IO[bytes]) -> None:
    """The pipe's bytes into the log, read slowly as a busy collector reads them: the pipe
    fills, and a write longer than ``PIPE_BUF`` waits part-written while another goes in."""
    while chunk := os.read(source.fileno(), 4096):
        log.write(chunk)
        log.flush()
        time.sleep(0.05)


def access_lines(log: Path) -> list[dict]:
    """The request lines a server has written to its log so far (one JSON object each): only
    whole lines, since the last may be half-written as it is read."""
    written = log.read_text().split("\n")[:-1]
    return [json.loads(line) for line in written if line.startswith("{")]


async def logged(
    log: Path, until: Callable[[list[dict]], bool], timeout: float = 30.0
) -> list[dict]:
    """The request lines once ``until`` holds of them: a line is written within 0.1 s of its
    request, with others of the same moment (``ops.requests._Batch``)."""
    deadline = time.monotonic() + timeout
    while not until(lines := access_lines(log)):
        assert time.monotonic() < deadline, f"not logged in {timeout:g} s: {lines[-5:]}"
        await asyncio.sleep(0.05)
    return lines
