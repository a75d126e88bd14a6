"""Staff sessions: a signed cookie, checked against the database on every request.

The cookie ``staff_session`` holds ``staff id . session version . issued at`` and an HMAC of
them under the store's secret. It is HttpOnly, SameSite=Strict, limited to ``/staff`` and
Secure in production, and it expires after ``SESSION_HOURS``. A forged, stale or expired cookie
is simply no session. Every request also checks that the user is still active and that the
version is still the user's: signing out raises it, which ends that user's sessions everywhere,
including a copied cookie.

Every staff route but the sign-in page is wrapped by ``guarded``: without a session a page
redirects to the sign-in form and any other request is refused with 403. It reads no API token:
tokens are for the GraphQL door, the console is for people.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from domain import numbers
from domain.errors import InvalidInput
from domain.staff.sessions import StaffMember, staff_for_session

SESSION_COOKIE = "staff_session"
SESSION_HOURS = 8
COOKIE_PATH = "/staff"
PUBLIC_ROUTES = frozenset({"sign-in"})

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Session:
    staff_id: int
    version: int
    issued_at: int  # unix seconds


def _mac(secret_key: str, body: str) -> str:
    return hmac.new(
        secret_key.encode(), f"staff-session:{body}".encode(), hashlib.sha256
    ).hexdigest()


def sign_session(secret_key: str, session: Session) -> str:
    body = f"{session.staff_id}.{session.version}.{session.issued_at}"
    return f"{body}.{_mac(secret_key, body)}"


def read_session(secret_key: str, raw: str, now: dt.datetime) -> Session | None:
    """The session a cookie value carries, or None if it is forged, malformed or expired."""
    if len(raw) > 200:
        return None
    body, _, mac = raw.rpartition(".")
    if not body or not hmac.compare_digest(_mac(secret_key, body), mac):
        return None
    parts = body.split(".")
    if len(parts) != 3:
        return None
    try:
        session = Session(
            numbers.database_id(parts[0], field="session"),
            numbers.whole_number(parts[1], field="session", minimum=0, maximum=numbers.MAX_COUNT),
            numbers.whole_number(parts[2], field="session", minimum=0, maximum=2**40),
        )
    except InvalidInput:
        return None
    age = now.timestamp() - session.issued_at
    if age < -60 or age > SESSION_HOURS * 3600:
        return None
    return session


def start_session(
    response: Response, user: StaffMember, secret_key: str, now: dt.datetime, *, secure: bool
) -> None:
    value = sign_session(secret_key, Session(user.id, user.session_version, int(now.timestamp())))
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=SESSION_HOURS * 3600,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=secure,
    )


def clear_session(response: Response, *, secure: bool) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict", secure=secure
    )


async def signed_in(request: Request, secret_key: str) -> StaffMember | None:
    session = read_session(
        secret_key, request.cookies.get(SESSION_COOKIE, ""), dt.datetime.now(dt.UTC)
    )
    if session is None:
        return None
    return await staff_for_session(session.staff_id, session.version)


def safe_next(value: str) -> str | None:
    """Only a path inside the console: never another site (``//evil``, ``/\\evil``)."""
    if value.startswith("/staff/") and "//" not in value and "\\" not in value and len(value) < 500:
        return value
    return None


def guarded(route: Route, secret_key: str) -> Route:
    """The same route, reachable only by a signed-in, active staff member."""
    endpoint: Endpoint = route.endpoint

    async def staff_only(request: Request) -> Response:
        user = await signed_in(request, secret_key)
        if user is None:
            if request.method in ("GET", "HEAD"):
                url = str(request.url_for("staff:sign-in"))
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"{url}?{urlencode({'next': target})}", status_code=303)
            raise HTTPException(403, "Sign in as staff to do this.")
        request.state.staff = user
        return await endpoint(request)

    return Route(route.path, staff_only, methods=list(route.methods or []), name=route.name)
