"""Signing in with an argon2id password, the lockout, the session cookie, signing out."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from domain.staff.models import StaffUser
from portal.staff.auth import SESSION_COOKIE, Session, read_session, safe_next, sign_session
from tests.portal.conftest import csrf_token
from tests.portal.staff.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.usefixtures("db")
NOW = dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC)


async def test_signing_in_sets_a_strict_http_only_session_cookie_and_opens_the_dashboard(
    client: httpx.AsyncClient, staff_user: StaffUser
) -> None:
    signed = await sign_in(client)
    assert signed.status_code == 303
    assert signed.headers["location"] == "http://testserver/staff/"
    cookie = signed.headers["set-cookie"].lower()
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/staff" in cookie
    assert "max-age=28800" in cookie
    dashboard = await client.get("/staff/")
    assert dashboard.status_code == 200
    assert "Ada Admin" in dashboard.text and "Sign out" in dashboard.text


async def test_a_wrong_password_or_unknown_email_gets_the_same_refusal(
    client: httpx.AsyncClient, staff_user: StaffUser
) -> None:
    wrong = await sign_in(client, password="not the password at all")
    unknown = await sign_in(client, email="nobody@example.com")
    assert wrong.status_code == unknown.status_code == 400
    assert "Email or password is not right" in wrong.text
    assert "Email or password is not right" in unknown.text
    assert 'value="ada@example.com"' in wrong.text  # the email is kept, never the password
    assert PASSWORD not in wrong.text and "not the password" not in wrong.text
    assert SESSION_COOKIE not in client.cookies


async def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(
    client: httpx.AsyncClient, staff_user: StaffUser
) -> None:
    for _ in range(5):
        assert (await sign_in(client, password="guess guess guess")).status_code == 400
    locked = await sign_in(client)
    assert locked.status_code == 400
    assert (await StaffUser.get(id=staff_user.id)).locked_until is not None


async def test_sign_in_returns_to_the_page_asked_for_but_never_to_another_site(
    client: httpx.AsyncClient, staff_user: StaffUser
) -> None:
    asked = await client.get("/staff/reports")
    assert asked.headers["location"].endswith("/staff/sign-in?next=%2Fstaff%2Freports")
    back = await sign_in(client, next_="/staff/reports")
    assert back.headers["location"] == "/staff/reports"
    client.cookies.clear()
    away = await sign_in(client, next_="//evil.example/staff/")
    assert away.headers["location"] == "http://testserver/staff/"
    assert safe_next("https://evil.example") is None and safe_next("/staff/\\evil") is None


async def test_signing_out_ends_the_session_even_for_a_copied_cookie(
    client: httpx.AsyncClient, staff_user: StaffUser
) -> None:
    await sign_in(client)
    copied = client.cookies[SESSION_COOKIE]
    page = await client.get("/staff/")
    out = await client.post("/staff/sign-out", data={"csrf_token": csrf_token(page.text)})
    assert out.status_code == 303 and out.headers["location"].endswith("/staff/sign-in")
    assert SESSION_COOKIE not in client.cookies
    client.cookies.set(SESSION_COOKIE, copied, path="/staff")
    assert (await client.get("/staff/")).status_code == 303


async def test_a_signed_in_member_is_sent_past_the_sign_in_page(
    client: httpx.AsyncClient, staff_user: StaffUser
) -> None:
    await sign_in(client)
    again = await client.get("/staff/sign-in")
    assert again.status_code == 303 and again.headers["location"].endswith("/staff/")


async def test_sign_in_without_its_csrf_token_is_refused(
    client: httpx.AsyncClient, staff_user: StaffUser
) -> None:
    refused = await client.post(
        "/staff/sign-in", data={"email": "ada@example.com", "password": PASSWORD}
    )
    assert refused.status_code == 403
    assert SESSION_COOKIE not in client.cookies


def test_a_session_cookie_that_was_altered_or_is_too_old_is_no_session() -> None:
    issued = int(NOW.timestamp())
    value = sign_session("k", Session(3, 1, issued))
    assert read_session("k", value, NOW) == Session(3, 1, issued)
    assert read_session("other", value, NOW) is None
    assert read_session("k", value.replace("3.1.", "4.1.", 1), NOW) is None
    assert read_session("k", value, NOW + dt.timedelta(hours=8, seconds=1)) is None
    assert read_session("k", value, NOW - dt.timedelta(hours=1)) is None  # issued in the future
    assert read_session("k", "garbage", NOW) is None
    assert read_session("k", "", NOW) is None
