"""Every request: an id, one JSON log line, and its count and latency in the metrics.

A pure ASGI middleware (no response buffering, a few microseconds a request). The id is the
client's ``X-Request-Id`` when it is sane (a proxy's id keeps one name for one request across
hops), else a new one; it is answered in the same header and set for the domain
(``domain.request_ids``), which writes it on the outbox rows the request causes.

The GraphQL operation is the request's ``operationName`` when it is a plain name; a process
keeps at most ``MAX_OPERATIONS`` of them as labels (clients choose these names) and counts the
rest as ``other``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import time
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import parse_qs

from domain.request_ids import chosen, reset_request_id, set_request_id
from ops.metrics import count_request, record_pool

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


class RequestLog:
    def __init__(self, app: Any) -> None:
        self.app = app

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

        async def receive_body() -> Any:
            message = await receive()
            if message["type"] == "http.request" and len(body) < 64:
                body.append(message.get("body", b""))
            return message

        async def send_with_id(message: Any) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode("ascii")),
                ]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
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
            record_pool()
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(_line(scope, request_id, route, operation, status, seconds, sent))


def _operation(scope: Scope, body: list[bytes]) -> str | None:
    if body:
        found = _OPERATION_IN_BODY.search(b"".join(body))
        return found.group(1).decode("ascii") if found else None
    if scope["method"] == "GET":
        names = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("operationName")
        if names and _OPERATION.fullmatch(names[0]):
            return names[0]
    return None


def _line(
    scope: Scope,
    request_id: str,
    route: str,
    operation: str | None,
    status: int,
    seconds: float,
    sent: int,
) -> str:
    client = scope.get("client")
    record = {
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        "request_id": request_id,
        "pid": os.getpid(),  # which web process answered
        "client": client[0] if client else None,
        "method": scope["method"],
        "path": scope["path"][:512],
        "route": route,
        "operation": operation,  # the name itself: a log line has no labels to bound
        "status": status,
        "duration_ms": round(seconds * 1000, 2),
        "bytes": sent,
    }
    return json.dumps(record, ensure_ascii=True)


def configure_access_log() -> None:
    """One JSON object per line on standard output (the process manager collects it)."""
    if access_log.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    access_log.addHandler(handler)
    access_log.setLevel(logging.INFO)
    access_log.propagate = False
