"""Rule 22 on the staff reports page: the promise figures, overall, per supplier and per week."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from tests.portal.staff.conftest import text_of, today
from tests.promise_history import History

pytestmark = pytest.mark.usefixtures("db")


async def test_the_reports_page_shows_the_hand_computed_promise_figures(
    staff: httpx.AsyncClient,
) -> None:
    this_monday = today() - dt.timedelta(days=today().weekday())
    told = History(this_monday - dt.timedelta(weeks=3))
    await told.build()
    page = await staff.get("/staff/reports")
    assert page.status_code == 200 and "style=" not in page.text
    words = text_of(page.text)
    kept = words[words.index("Promises kept") : words.index("Suppliers: on time and slip")]
    by_supplier = kept[kept.index("By supplier") : kept.index("By week")]
    # Delivered, first promise kept, last window kept, delays in time, median warning,
    # ETA emails per waiting line, median slack.
    assert "All 2 50% 100% 100% of 2 +10.0 2.0 −4.0" in by_supplier
    assert "CoolAir 1 0% 100% 100% of 2 +10.0 2.0 −8.0" in by_supplier
    assert "stock 1 100% 100% — — — 0.0" in by_supplier
    by_week = kept[kept.index("By week") :]
    year, week, _ = told.day(22).isocalendar()
    assert f"({year}-W{week:02d}) 1 0% 100% — — 2.0 −8.0" in by_week
    assert by_week.count("-W") == 12  # twelve weeks, as the rest of the page
