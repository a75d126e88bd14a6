"""A real HTTP receiver on loopback (uvicorn), recording every request it is sent.

``behaviour(path, count)`` decides the answer to the ``count``-th request (from 1) on ``path``:
a status code, or ``"hang"`` to hold the request until the receiver stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn

Behaviour = Callable[[str, int], int | str]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Receiver:
    behaviour: Behaviour = lambda path, count: 200  # noqa: E731
    received: list[Received] = field(default_factory=list)
    answered: list[tuple[str, int]] = field(default_factory=list)
    port: int = 0
    _counts: dict[str, int] = field(default_factory=dict)
    _release: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def on(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        path = scope["path"]
        self._counts[path] = self._counts.get(path, 0) + 1
        answer = self.behaviour(path, self._counts[path])
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.received.append(Received(path, headers, b"".join(chunks), time.monotonic()))
        if answer == "hang":
            await self._release.wait()
            answer = 200
        assert isinstance(answer, int)
        self.answered.append((path, answer))
        await send({"type": "http.response.start", "status": answer, "headers": []})
        await send({"type": "http.response.body", "body": b"ok" * 10})


@contextlib.asynccontextmanager
async def receiving(behaviour: Behaviour | None = None) -> AsyncIterator[Receiver]:
    receiver = Receiver()
    if behaviour is not None:
        receiver.behaviour = behaviour
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    receiver.port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(receiver, log_level="error", lifespan="off", timeout_graceful_shutdown=1)
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield receiver
    finally:
        receiver._release.set()
        server.should_exit = True
        await task
        sock.close()
