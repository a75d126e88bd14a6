"""HTTP side of ``preorder bench-api``: a lean load generator and the two servers it measures.

The client speaks HTTP/1.1 over keep-alive asyncio streams with pre-encoded requests, so that
its own cost per request stays far below the servers': a Python HTTP client library would be
the bottleneck before a bare Starlette route is.

``python -m bench.load api PORT`` serves the app as ``preorder serve`` does
(``ops.factory.app_from_env``: a JSON log line per request, metrics in multi-process mode);
``python -m bench.load floor PORT FILE`` serves ``POST /floor/<n>``, which reads the request and
answers the n-th response recorded in FILE (JSON: operation name to response body).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass

HOST = "127.0.0.1"


def request_bytes(path: str, body: bytes) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
        f"Accept: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


@dataclass(frozen=True)
class Target:
    port: int
    path: str
    requests: list[bytes]  # cycled through, one per request


@dataclass(frozen=True)
class Result:
    requests: int
    failed: int
    seconds: float
    latencies: list[float]
    cpu_seconds: float | None = None  # the server process's CPU over the measured requests

    @property
    def cpu_us(self) -> float | None:
        """The server's CPU per request in microseconds: what a request costs the service
        whatever else the machine is doing (the client and PostgreSQL share its cores)."""
        if self.cpu_seconds is None or not self.requests:
            return None
        return self.cpu_seconds / self.requests * 1e6

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def _percentile(self, fraction: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else 0.0

    @property
    def p99_ms(self) -> float:
        return self._percentile(0.99)


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes]:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    return status, await reader.readexactly(length)


def failed_answer(body: bytes) -> bool:
    """An answer with errors (of the request or of a mutation's payload) or without data.
    Strawberry answers compact JSON (``"errors":[{``); the spaced form is looked for too."""
    return (
        b'"errors":[{' in body
        or b'"errors": [{' in body
        or body.startswith((b'{"data":null', b'{"data": null'))
    )


def _ok(status: int, body: bytes) -> bool:
    return status == 200 and not failed_answer(body)


async def _client(
    target: Target, offset: int, warm_until: float, stop_at: float, out: list[float], bad: list[int]
) -> int:
    reader, writer = await asyncio.open_connection(HOST, target.port)
    done = 0
    index = offset
    try:
        while True:
            started = time.perf_counter()
            if started >= stop_at:
                return done
            request = target.requests[index % len(target.requests)]
            index += 8
            status, body = await _exchange(reader, writer, request)
            if started >= warm_until:
                out.append(time.perf_counter() - started)
                done += 1
                if not _ok(status, body):
                    bad.append(status)
    finally:
        writer.close()


async def measure(
    target: Target, clients: int, seconds: float, warm_up: float = 1.0, server: int | None = None
) -> Result:
    """``clients`` connections, each sending its next request as soon as it has an answer;
    with ``server`` (its process id), that process's CPU from the end of the warm-up on."""
    latencies: list[float] = []
    failures: list[int] = []
    begin = time.perf_counter()
    warm_until, stop_at = begin + warm_up, begin + warm_up + seconds
    cpu_at_start: list[float | None] = []
    if server is not None:
        asyncio.get_running_loop().call_later(
            warm_up, lambda: cpu_at_start.append(process_cpu_seconds(server))
        )
    counts = await asyncio.gather(
        *(
            _client(target, offset, warm_until, stop_at, latencies, failures)
            for offset in range(clients)
        )
    )
    elapsed = max(time.perf_counter(), stop_at) - warm_until
    cpu = None
    if server is not None and cpu_at_start and cpu_at_start[0] is not None:
        now = process_cpu_seconds(server)
        cpu = None if now is None else now - cpu_at_start[0]
    return Result(sum(counts), len(failures), elapsed, latencies, cpu)


def process_cpu_seconds(pid: int) -> float | None:
    """User and system CPU a process has used, from ``/proc``; None where there is none."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as file:
            stat = file.read()
    except OSError:
        return None
    fields = stat[stat.rindex(b")") + 2 :].split()  # the name may hold spaces and brackets
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def post_once(port: int, body: bytes, path: str = "/graphql") -> bytes:
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        _, answer = await _exchange(reader, writer, request_bytes(path, body))
        return answer
    finally:
        writer.close()


async def wait_until_up(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection(HOST, port)
            writer.close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


def _serve(app: object, port: int) -> None:
    import uvicorn

    gc.collect()
    gc.freeze()  # start-up objects out of the collector's way: p99 is GC pauses otherwise
    uvicorn.run(app, host=HOST, port=port, workers=1, log_level="warning", access_log=False)  # type: ignore[arg-type]


def floor_app(recorded: dict[str, str]) -> object:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    bodies = [answer.encode() for answer in recorded.values()]

    async def floor(request: Request) -> Response:
        await request.body()
        return Response(bodies[int(request.path_params["n"])], media_type="application/json")

    return Starlette(routes=[Route("/floor/{n:int}", floor, methods=["POST"])])


def main(argv: list[str]) -> int:
    kind, port = argv[0], int(argv[1])
    if kind == "api":
        # As ``preorder serve`` runs it: metrics in multi-process mode (files in a directory
        # of their own, set before prometheus-client is imported) and one JSON log line per
        # request, so that their cost is measured too.
        from ops.serve import metrics_directory

        with metrics_directory():
            from ops.factory import app_from_env

            _serve(app_from_env(), port)
    else:
        with open(argv[2]) as file:
            _serve(floor_app(json.load(file)), port)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
