"""Every request: an id, one JSON log line, and its count and latency in the metrics.

A pure ASGI middleware (no response buffering, a few microseconds a request). The id is the
client's ``X-Request-Id`` when it is sane (a proxy's id keeps one name for one request across
hops), else a new one; it is answered in the same header and set for the domain
(``domain.request_ids``), which writes it on the outbox rows the request causes.

The GraphQL operation is the request's ``operationName`` when it is a plain name; a process
keeps at most ``MAX_OPERATIONS`` of them as labels (clients choose these names) and counts the
rest as ``other``.

It runs around every request, so it is written for its cost: one pass adds the response headers
(``X-Request-Id`` and the ones the composition root gives, e.g. the portal's security headers),
the log line is put together from a template with only its strings JSON-escaped, the timestamp's
date and time are formatted once a second, lines are written in batches (``_Batch``: within
0.1 s, whole lines, one write each), and the pool gauges are read at most a few times a second
(``ops.metrics.record_pool_soon``).
"""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import os
import re
import sys
import time
from collections.abc import MutableMapping
from json.encoder import encode_basestring_ascii
from typing import Any
from urllib.parse import parse_qs

from domain.request_ids import chosen, reset_request_id, set_request_id
from ops.metrics import count_request, record_pool_soon

access_log = logging.getLogger("preorder.access")

Scope = MutableMapping[str, Any]
MAX_OPERATIONS = 100
_OPERATION_IN_BODY = re.compile(rb'"operationName"\s*:\s*"([A-Za-z_][A-Za-z0-9_]{0,63})"')
_OPERATION = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_GRAPHQL = "/graphql"


class _Operations:
    def __init__(self) -> None:
        self.known: set[str] = set()

    def label(self, name: str | None) -> str:
        if not name:
            return "anonymous"
        if name in self.known:
            return name
        if len(self.known) >= MAX_OPERATIONS:
            return "other"
        self.known.add(name)
        return name


OPERATIONS = _Operations()  # one per process, as the metrics' labels are


def _route(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path is None:
        return "unmatched"
    return f"{scope.get('root_path', '')}{path}" or "/"


Headers = tuple[tuple[bytes, bytes], ...]


class RequestLog:
    """``headers``: added to every response that does not have them already (lower-case names,
    encoded once), so that no second middleware wraps every request to add them."""

    def __init__(self, app: Any, *, headers: Headers = ()) -> None:
        self.app = app
        self.headers = headers
        self.names = frozenset(name for name, _ in headers)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        offered = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                offered = value.decode("latin-1")
                break
        request_id = chosen(offered)
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        sent = 0
        body: list[bytes] = []
        graphql = scope["path"] == _GRAPHQL and scope["method"] == "POST"
        added, names = self.headers, self.names
        id_header = (b"x-request-id", request_id.encode("ascii"))

        async def receive_body() -> Any:
            message = await receive()
            if message["type"] == "http.request" and len(body) < 64:
                body.append(message.get("body", b""))
            return message

        async def send_with_id(message: Any) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            elif message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                if names:
                    present = {name.lower() for name, _ in headers} & names
                    if present:
                        headers.extend(h for h in added if h[0] not in present)
                    else:
                        headers.extend(added)
                headers.append(id_header)
                message["headers"] = headers
            await send(message)

        token = set_request_id(request_id)
        try:
            await self.app(scope, receive_body if graphql else receive, send_with_id)
        finally:
            reset_request_id(token)
            seconds = time.perf_counter() - started
            operation, label = None, ""
            if scope["path"] == _GRAPHQL:
                operation = _operation(scope, body)
                label = OPERATIONS.label(operation)
            route = _route(scope)
            count_request(route, label, str(status), seconds)
            record_pool_soon()
            if access_log.isEnabledFor(logging.INFO):
                _write(_line(scope, request_id, route, operation, status, seconds, sent))


def _operation(scope: Scope, body: list[bytes]) -> str | None:
    if body:
        found = _OPERATION_IN_BODY.search(b"".join(body))
        return found.group(1).decode("ascii") if found else None
    if scope["method"] == "GET":
        names = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("operationName")
        if names and _OPERATION.fullmatch(names[0]):
            return names[0]
    return None


_pid = os.getpid()  # which web process answered; a forked child finds its own below


def _forked() -> None:
    global _pid  # noqa: PLW0603 - one figure per process
    _pid = os.getpid()


os.register_at_fork(after_in_child=_forked)

_second: tuple[int, str] = (-1, "")  # one entry, replaced whole: racing callers never mix two


def _timestamp(now: float) -> str:
    """``datetime.now(UTC).isoformat(timespec="milliseconds")``, with the date and time up to the
    second formatted once a second."""
    global _second  # noqa: PLW0603 - a cache of one entry
    second = int(now)
    micro = round((now - second) * 1_000_000)  # rounded as ``datetime.fromtimestamp`` rounds
    if micro >= 1_000_000:
        second, micro = second + 1, micro - 1_000_000
    kept = _second
    if kept[0] != second:
        kept = _second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
    return f"{kept[1]}.{micro // 1000:03d}+00:00"


def _string(value: object) -> str:
    """A JSON value as ``json.dumps(..., ensure_ascii=True)`` writes it: a string escaped by
    the same function (quotes, backslashes, control and non-ASCII characters)."""
    if type(value) is str:
        return encode_basestring_ascii(value)  # type: ignore[no-any-return]
    return json.dumps(value, ensure_ascii=True)


def _line(
    scope: Scope,
    request_id: str,
    route: str,
    operation: str | None,
    status: int,
    seconds: float,
    sent: int,
    now: float | None = None,
) -> str:
    """One JSON object, the same text ``json.dumps`` makes of the record (keys in this order):
    time, request_id, pid, client, method, path, route, operation (the name itself: a log
    line has no labels to bound), status, duration_ms, bytes."""
    client = scope.get("client")
    return (
        f'{{"time": "{_timestamp(time.time() if now is None else now)}", '
        f'"request_id": {_string(request_id)}, "pid": {_pid}, '
        f'"client": {_string(client[0]) if client else "null"}, '
        f'"method": {_string(scope["method"])}, "path": {_string(scope["path"][:512])}, '
        f'"route": {_string(route)}, '
        f'"operation": {"null" if operation is None else _string(operation)}, '
        f'"status": {int(status)}, "duration_ms": {round(seconds * 1000, 2)!r}, '
        f'"bytes": {int(sent)}}}'
    )


class _AccessLines(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler ``configure_access_log`` installs: the message itself, one per line."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)  # the service's own warnings stay on standard error
        self.setFormatter(logging.Formatter("%(message)s"))


# The lines of requests answered, written together: whole lines, at most ``BATCH_BYTES`` a
# write (``select.PIPE_BUF``: one write that the lines of other processes sharing standard
# output cannot split, to a file or a pipe), and at most ``FLUSH_SECONDS`` after the first of
# them was answered. One write per request was the largest single cost of this middleware.
BATCH_BYTES = 4096
FLUSH_SECONDS = 0.1


class _Batch:
    """The lines waiting for their write, all for one handler. Every line is ASCII (JSON
    with ``ensure_ascii``), so its length is its size in bytes."""

    def __init__(self) -> None:
        self.handler: _AccessLines | None = None
        self.lines: list[str] = []
        self.size = 0
        self.timer: asyncio.TimerHandle | None = None
        self.timer_loop: asyncio.AbstractEventLoop | None = None

    def add(self, handler: _AccessLines, text: str) -> None:
        if self.lines and (handler is not self.handler or self.size + len(text) > BATCH_BYTES):
            self.flush()
        self.handler = handler
        self.lines.append(text)
        self.size += len(text)
        if self.size >= BATCH_BYTES:
            self.flush()
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a synchronous caller): now rather than later
            self.flush()
            return
        if self.timer is None or self.timer_loop is not loop:  # a timer lost with its loop
            self.timer = loop.call_later(FLUSH_SECONDS, self.flush)
            self.timer_loop = loop

    def flush(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = self.timer_loop = None
        lines, handler = self.lines, self.handler
        self.lines, self.size = [], 0
        if not lines or handler is None:
            return
        text = "".join(lines)
        try:
            with handler.lock:  # type: ignore[union-attr]
                handler.stream.write(text)
                handler.stream.flush()
        except Exception:  # noqa: BLE001 - reported as the handler reports its own failures
            handler.handleError(
                access_log.makeRecord(access_log.name, logging.INFO, __file__, 0, text, (), None)
            )


_batch = _Batch()


def flush_access_log() -> None:
    """Write the lines still waiting (a server stopping, a test reading the log)."""
    _batch.flush()


atexit.register(flush_access_log)


def _write(line: str) -> None:
    """Through ``logging`` as any record, unless the logger is exactly as
    ``configure_access_log`` left it: then into the batch of its handler's stream
    (``_Batch``), written as that handler would write it (the lines, each with its newline,
    a flush, under the handler's lock), without making a record and looking for its caller.
    Anything else configured (another handler, a filter, propagation) and ``logging`` does
    it all, after the lines still waiting."""
    handlers = access_log.handlers
    if (
        len(handlers) == 1
        and type(handler := handlers[0]) is _AccessLines
        and not access_log.propagate
        and not access_log.filters
        and not handler.filters
        and handler.level <= logging.INFO
    ):
        _batch.add(handler, line + handler.terminator)
        return
    _batch.flush()
    access_log.info(line)


def configure_access_log() -> None:
    """One JSON object per line on standard output (the process manager collects it)."""
    if access_log.handlers:
        return
    access_log.addHandler(_AccessLines())
    access_log.setLevel(logging.INFO)
    access_log.propagate = False
