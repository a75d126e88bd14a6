"""Racing callers of what the serving path keeps between requests: the labelled request
counters (``ops.metrics.count_request``) and the encoded cursors (``api.pagination``)."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from api.pagination import encode_cursor
from ops.metrics import LATENCY, REQUESTS, count_request

THREADS = 8
CALLS = 500


def test_requests_counted_by_racing_threads_are_each_counted_once() -> None:
    # New label sets, so the threads also race to make and keep their children.
    routes = [f"/race-{uuid.uuid4().hex}" for _ in range(3)]

    def work(worker: int) -> None:
        for call in range(CALLS):
            count_request(routes[(worker + call) % 3], "products", "200", 0.001)

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(work, range(THREADS)))

    counted = [REQUESTS.labels(route, "products", "200")._value.get() for route in routes]
    assert sum(counted) == THREADS * CALLS
    for route in routes:
        assert REQUESTS.labels(route, "products", "200")._value.get() > 0
        assert LATENCY.labels(route, "products")._sum.get() > 0


def test_cursors_encoded_by_racing_threads_are_each_the_one_their_key_encodes() -> None:
    keys: list[tuple[object, ...]] = [(n,) for n in range(50)] + [(True,), (1.0,)]
    keys += [(n, "2026-01-02", n) for n in range(50)]

    def work(worker: int) -> list[tuple[tuple[object, ...], str]]:
        return [(key, encode_cursor(*key)) for key in keys[worker:] + keys[:worker]]

    with ThreadPoolExecutor(THREADS) as pool:
        answers = [pair for found in pool.map(work, range(THREADS)) for pair in found]

    assert len(answers) == THREADS * len(keys)
    for key, cursor in answers:
        assert cursor == encode_cursor.__wrapped__(*key)
