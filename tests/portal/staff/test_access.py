"""Every staff URL refuses whoever is not a signed-in staff member, and every staff form its
CSRF check. The URL list comes from the router, so a page added later is covered at once."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest
from starlette.routing import Mount

from app import create_app
from domain.staff.models import StaffUser
from domain.staff.services import create_api_token
from portal.staff.auth import SESSION_COOKIE, SESSION_HOURS, Session, sign_session
from tests import builders as b
from tests.portal.conftest import SETTINGS, csrf_token, post_form
from tests.portal.staff.conftest import sign_in

pytestmark = pytest.mark.usefixtures("db")


def staff_urls() -> list[tuple[str, str, str]]:
    """(method, path, route name) of every staff route, path parameters filled with 1."""
    app = create_app(SETTINGS, manage_database=False)
    mount = next(r for r in app.routes if isinstance(r, Mount) and r.name == "staff")
    urls = []
    for route in mount.routes:
        path = "/staff" + re.sub(r"\{[^}]+\}", "1", route.path)  # type: ignore[attr-defined]
        for method in sorted(route.methods - {"HEAD"}):  # type: ignore[attr-defined]
            urls.append((method, path, route.name))  # type: ignore[attr-defined]
    return urls


URLS = staff_urls()
PROTECTED = [u for u in URLS if u[2] != "sign-in"]
POSTS = [u for u in PROTECTED if u[0] == "POST"]


def test_the_router_lists_every_staff_page() -> None:
    names = {name for _, _, name in URLS}
    assert {
        "dashboard",
        "purchase-orders",
        "po-date-preview",
        "po-date",
        "receiving",
        "orders",
        "shipping",
        "builds",
        "email",
        "reports",
        "tokens",
        "sign-out",
    } <= names
    assert len(PROTECTED) >= 30


async def _refused(client: httpx.AsyncClient, method: str, path: str) -> None:
    """A page sends the visitor to sign in; anything else is forbidden. Nothing leaks."""
    token = csrf_token((await client.get("/staff/sign-in")).text)
    if method == "GET":
        answer = await client.get(path)
        assert answer.status_code == 303, (path, answer.status_code)
        assert answer.headers["location"].startswith("http://testserver/staff/sign-in?next=")
    else:
        answer = await client.post(path, data={"csrf_token": token})
        assert answer.status_code == 403, (path, answer.status_code)
        assert "Sign in as staff" in answer.text
    assert "Sign out" not in answer.text


@pytest.mark.parametrize(
    ("method", "path", "name"), PROTECTED, ids=[f"{m} {p}" for m, p, _ in PROTECTED]
)
async def test_an_anonymous_visitor_is_refused_on_every_staff_url(
    client: httpx.AsyncClient, method: str, path: str, name: str
) -> None:
    await _refused(client, method, path)


@pytest.mark.parametrize(
    ("method", "path", "name"), PROTECTED, ids=[f"{m} {p}" for m, p, _ in PROTECTED]
)
async def test_a_customer_is_refused_on_every_staff_url(
    client: httpx.AsyncClient, method: str, path: str, name: str
) -> None:
    helmet = await b.product(on_hand=3, sku="HELMET")
    await post_form(client, "/products/HELMET", "/cart/add", {"sku": helmet.sku, "quantity": "1"})
    assert "portal_cart" in client.cookies  # a real shopper's browser
    await _refused(client, method, path)


@pytest.mark.parametrize(("method", "path", "name"), POSTS, ids=[f"{m} {p}" for m, p, _ in POSTS])
async def test_every_staff_form_checks_its_csrf_token(
    client: httpx.AsyncClient, staff_user: StaffUser, method: str, path: str, name: str
) -> None:
    await sign_in(client)
    answer = await client.post(path, data={"csrf_token": "0" * 64})
    assert answer.status_code == 403
    missing = await client.post(path, data={})
    assert missing.status_code in (403, 415)


async def test_an_api_token_opens_no_staff_page(client: httpx.AsyncClient) -> None:
    issued = await create_api_token("robot", ["read", "etas"])
    answer = await client.get("/staff/", headers={"Authorization": f"Bearer {issued.secret}"})
    assert answer.status_code == 303


async def test_a_forged_or_expired_session_cookie_is_no_session(
    client: httpx.AsyncClient, staff_user: StaffUser
) -> None:
    now = int(dt.datetime.now(dt.UTC).timestamp())
    forged = sign_session("another-secret", Session(staff_user.id, 1, now))
    client.cookies.set(SESSION_COOKIE, forged, path="/staff")
    assert (await client.get("/staff/")).status_code == 303
    old = sign_session(
        SETTINGS.secret_key, Session(staff_user.id, 1, now - SESSION_HOURS * 3600 - 5)
    )
    client.cookies.set(SESSION_COOKIE, old, path="/staff")
    assert (await client.get("/staff/")).status_code == 303
    fresh = sign_session(SETTINGS.secret_key, Session(staff_user.id, 1, now))
    client.cookies.set(SESSION_COOKIE, fresh, path="/staff")
    assert (await client.get("/staff/")).status_code == 200


async def test_a_deactivated_member_is_signed_out_at_once(
    client: httpx.AsyncClient, staff_user: StaffUser
) -> None:
    await sign_in(client)
    assert (await client.get("/staff/")).status_code == 200
    await StaffUser.filter(id=staff_user.id).update(active=False)
    assert (await client.get("/staff/")).status_code == 303


async def test_staff_pages_are_never_stored(
    client: httpx.AsyncClient, staff_user: StaffUser
) -> None:
    await sign_in(client)
    page = await client.get("/staff/reports")
    assert page.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in page.headers["content-security-policy"]
