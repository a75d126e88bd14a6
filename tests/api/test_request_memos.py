"""What every request works out, worked out once: the store's date once a second
(api/context.py ``local_day``) and a document's validation once per parsed document
(api/rules.py ``ApiRules.validate``), with the same answers as working them out each time."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from api import rules
from api.context import local_day
from api.schema import build_schema
from domain.lru import LruMemo

ZONES = ["Europe/Paris", "Asia/Kathmandu", "America/St_Johns", "Pacific/Chatham", "UTC"]


def instants(zone: ZoneInfo) -> list[dt.datetime]:
    """Around local midnights, DST changes included, a microsecond apart and a second apart."""
    found = []
    for day in (dt.date(2027, 3, 28), dt.date(2027, 10, 31), dt.date(2027, 6, 1)):
        midnight = dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)
        for step in (-1_000_001, -1_000_000, -1, 0, 1, 999_999, 1_000_000):
            found.append(midnight + dt.timedelta(microseconds=step))
    return found


@pytest.mark.parametrize("name", ZONES)
def test_the_day_worked_out_once_a_second_is_the_zones_date(name: str) -> None:
    zone = ZoneInfo(name)
    for now in instants(zone):
        for _ in range(2):  # the second time from the kept entry
            assert local_day(now, zone) == now.astimezone(zone).date(), now


def test_the_kept_day_is_one_zones_only() -> None:
    now = dt.datetime(2027, 6, 1, 23, 30, tzinfo=dt.UTC)
    assert local_day(now, ZoneInfo("UTC")) == dt.date(2027, 6, 1)
    assert local_day(now, ZoneInfo("Asia/Kathmandu")) == dt.date(2027, 6, 2)
    assert local_day(now, ZoneInfo("UTC")) == dt.date(2027, 6, 1)


@pytest.mark.parametrize("production", [False, True], ids=["development", "production"])
async def test_a_document_is_validated_once_and_answered_the_same_each_time(
    production: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Any] = []
    validated = rules.validated

    def counted(*args: Any) -> Any:
        calls.append(args[1])
        return validated(*args)

    monkeypatch.setattr(rules, "validated", counted)
    monkeypatch.setattr(rules, "_validated", LruMemo(rules.PARSED))
    schema = build_schema(production=production)
    for query in (
        "{ __typename }",
        "{ nope }",
        "query Q($n: Int!) { a: __typename }",
    ):
        answers = [await schema.execute(query, variable_values={"n": 0}) for _ in range(3)]
        assert len({repr((a.data, [e.formatted for e in a.errors or []])) for a in answers}) == 1
    assert len(calls) == 3  # once per document
