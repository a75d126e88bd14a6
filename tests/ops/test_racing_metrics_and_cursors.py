"""Racing callers of what the serving path keeps between requests: the labelled request
counters (``ops.metrics.count_request``), the encoded cursors (``api.pagination``), the log
line's formatted second (``ops.requests``), the catalogue's statements
(``domain.catalog.reads.page_statement``), the store's date kept for a second
(``api.context.local_day``) and the JSON text of kept answers (``api.encoding``)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

from api.context import local_day
from api.encoding import Kept, encode
from api.pagination import encode_cursor
from domain.catalog.reads import _COLUMNS, _PAGE, _PAGE_PG, page_statement
from domain.db import numbered
from ops.metrics import LATENCY, REQUESTS, count_request
from ops.requests import _timestamp

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


def test_log_times_formatted_by_racing_threads_are_each_their_own_time() -> None:
    # Each thread walks its own seconds, so the one kept second changes under every call.
    start = 1_800_000_000.0

    def work(worker: int) -> list[tuple[float, str]]:
        times = [start + (worker * 7 + call) % 40 + call % 1000 / 1000 for call in range(CALLS)]
        return [(now, _timestamp(now)) for now in times]

    with ThreadPoolExecutor(THREADS) as pool:
        results = [pair for part in pool.map(work, range(THREADS)) for pair in part]

    for now, text in results:
        expected = dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="milliseconds")
        assert text == expected


def test_catalogue_statements_kept_for_racing_threads_are_each_their_conditions_own() -> None:
    conditions = [
        f"p.id > ? AND p.mode IN ({', '.join('?' * n)}) ORDER BY p.id" for n in range(1, 90)
    ]

    def work(worker: int) -> list[tuple[bool, str, str]]:
        order = conditions[worker:] + conditions[:worker]
        return [(pg, where, page_statement(pg, where)) for where in order for pg in (True, False)]

    with ThreadPoolExecutor(THREADS) as pool:
        results = [item for part in pool.map(work, range(THREADS)) for item in part]

    assert len(results) == THREADS * len(conditions) * 2
    for postgres, where, statement in results:
        page = _PAGE_PG if postgres else _PAGE
        built = page.format(products=_COLUMNS, where=where)
        assert statement == (numbered(built) if postgres else built)


def test_store_dates_asked_by_racing_threads_are_each_the_date_of_their_instant() -> None:
    # Instants a hair either side of midnight in each zone, asked in turn by every thread, so
    # the kept (second, zone, date) is replaced under the others' feet.
    zones = [ZoneInfo("Asia/Kathmandu"), ZoneInfo("America/St_Johns"), dt.UTC]
    midnight = dt.datetime(2027, 3, 1, tzinfo=dt.UTC)
    instants = [
        (midnight - dt.timedelta(hours=hours, microseconds=micros)).astimezone(dt.UTC)
        for hours in (0, 3, 6, 18, 21)
        for micros in (-1, 0, 1, 999_999)
    ]

    def work(worker: int) -> list[bool]:
        return [
            local_day(now, zone) == now.astimezone(zone).date()
            for call in range(CALLS)
            for now in [instants[(worker + call) % len(instants)]]
            for zone in [zones[(worker * 7 + call) % len(zones)]]
        ]

    with ThreadPoolExecutor(THREADS) as pool:
        answers = [ok for found in pool.map(work, range(THREADS)) for ok in found]
    assert len(answers) == THREADS * CALLS and all(answers)


def test_kept_answers_encoded_by_racing_threads_are_each_the_text_json_dumps_makes() -> None:
    # Fresh kept parts each round, so the threads race to write each one's text first.
    def answer(round_: int) -> dict[str, object]:
        kept = [Kept(sku=f"SKU-{round_}-{n}", name="Café ✓ \u2028", inStock=n) for n in range(5)]
        return {"data": {"products": {"edges": [{"node": node} for node in kept]}}}

    for round_ in range(50):
        shared = answer(round_)
        expected = json.dumps(shared, separators=(",", ":"))

        def work(_: int, shared: dict[str, object] = shared) -> list[str]:
            return [encode(shared) for _ in range(20)]

        with ThreadPoolExecutor(THREADS) as pool:
            texts = {text for found in pool.map(work, range(THREADS)) for text in found}
        assert texts == {expected}
