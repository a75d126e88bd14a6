"""Rule 22 through the API: staff with `read` see the promise figures; others are refused."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.api.helpers import Api, staff_token, today
from tests.promise_history import History

pytestmark = pytest.mark.usefixtures("db")

FIGURES = """{ deliveredLines firstPromiseKept firstPromiseKeptPercent lastWindowKept
  lastWindowKeptPercent delayNotices delayNoticesInTime delayNoticesInTimePercent
  medianWarningDays waitingLines etaEmails etaEmailsPerWaitingLine medianSlackDays }"""
REPORT = f"""query($weeks: Int) {{ promiseReport(weeks: $weeks) {{ weeksFrom weeksTo
  overall {FIGURES} suppliers {{ supplier figures {FIGURES} }}
  weeks {{ startsOn isoWeek figures {{ deliveredLines delayNotices firstPromiseKept }} }} }} }}"""


def history() -> History:
    """A history whose fourth week is this one: the API runs on the real clock."""
    this_monday = today() - dt.timedelta(days=today().weekday())
    return History(this_monday - dt.timedelta(weeks=3))


async def test_promise_report_answers_the_hand_computed_figures_with_read(api: Api) -> None:
    told = history()
    await told.build()
    token = await staff_token("read")
    report = (await api.data(REPORT, {"weeks": 4}, token=token))["promiseReport"]
    assert (report["weeksFrom"], report["weeksTo"]) == (
        told.day(1).isoformat(),
        told.day(22).isoformat(),
    )
    # The stock line kept its promise to the day; line A missed its first promise by 8 days
    # and kept the window it was last told; two delay notices went out 10 days ahead; A heard
    # twice (the delay, then the receipt).
    assert report["overall"] == {
        "deliveredLines": 2,
        "firstPromiseKept": 1,
        "firstPromiseKeptPercent": 50.0,
        "lastWindowKept": 2,
        "lastWindowKeptPercent": 100.0,
        "delayNotices": 2,
        "delayNoticesInTime": 2,
        "delayNoticesInTimePercent": 100.0,
        "medianWarningDays": 10.0,
        "waitingLines": 1,
        "etaEmails": 2,
        "etaEmailsPerWaitingLine": 2.0,
        "medianSlackDays": -4.0,
    }
    suppliers = {s["supplier"]: s["figures"] for s in report["suppliers"]}
    assert list(suppliers) == ["CoolAir", "stock"]
    assert suppliers["CoolAir"]["medianSlackDays"] == -8.0
    assert suppliers["stock"]["firstPromiseKeptPercent"] == 100.0
    assert [(w["startsOn"], w["figures"]["deliveredLines"]) for w in report["weeks"]] == [
        (told.day(1).isoformat(), 1),
        (told.day(8).isoformat(), 0),
        (told.day(15).isoformat(), 0),
        (told.day(22).isoformat(), 1),
    ]
    year, week, _ = told.day(1).isocalendar()
    assert report["weeks"][0]["isoWeek"] == f"{year}-W{week:02d}"
    assert report["weeks"][0]["figures"]["delayNotices"] == 2


async def test_promise_report_is_refused_without_the_read_scope(api: Api) -> None:
    anonymous = await api.post(REPORT, {})
    assert anonymous["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    token = await staff_token("shipping")
    other = await api.post(REPORT, {}, token=token)
    assert other["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert other["data"] is None


async def test_promise_report_refuses_a_week_count_out_of_range_naming_weeks(api: Api) -> None:
    token = await staff_token("read")
    body = await api.post(REPORT, {"weeks": 53}, token=token)
    error = body["errors"][0]
    assert error["extensions"]["code"] == "INVALID" and error["extensions"]["field"] == "weeks"
