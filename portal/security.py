"""Security for the HTML door: headers on every response and CSRF for every form.

CSRF is a double submit bound to a cookie: the browser holds a random ``portal_csrf`` cookie
(HttpOnly, SameSite=Lax) and each form carries an HMAC of it under the store's secret. A POST
whose form token does not match its cookie, or that has no cookie, is refused with 403 before
any handler runs. Cookieless requests are refused too (STACK.md: some libraries let them by).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

CSRF_COOKIE = "portal_csrf"
CSRF_FIELD = "csrf_token"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
_PRODUCTION_HEADERS = (
    *_HEADERS,
    ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
)


def security_headers(*, production: bool) -> tuple[tuple[bytes, bytes], ...]:
    """The same headers on pages, errors and static files, encoded once: the composition root
    hands them to the one middleware that wraps every request (``ops.requests.RequestLog``),
    which adds each one a response does not already have and leaves the others as they are."""
    return tuple(
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in (_PRODUCTION_HEADERS if production else _HEADERS)
    )


def csrf_token_for(secret_key: str, cookie: str) -> str:
    return hmac.new(secret_key.encode(), f"csrf:{cookie}".encode(), hashlib.sha256).hexdigest()


def ensure_csrf_cookie(request: Request) -> str:
    """The browser's CSRF cookie value, made now if it has none (set by ``remember_csrf``)."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if len(cookie) != 43:
        cookie = request.state.__dict__.setdefault("new_csrf_cookie", secrets.token_urlsafe(32))
    return cookie


def remember_csrf(request: Request, response: Response, *, secure: bool) -> None:
    new = request.state.__dict__.get("new_csrf_cookie")
    if new:
        response.set_cookie(
            CSRF_COOKIE,
            new,
            httponly=True,
            samesite="lax",
            secure=secure,
            path="/",
            max_age=60 * 60 * 24 * 30,
        )


def csrf_valid(request: Request, form_token: str, secret_key: str) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if len(cookie) != 43 or not form_token:
        return False
    return hmac.compare_digest(csrf_token_for(secret_key, cookie), form_token)


Handler = Callable[[Request], Awaitable[Response]]
