"""Signing in (argon2id, lockout in ``domain.staff.services``) and out."""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from domain.context import Actor, Context
from domain.errors import DomainError, RateLimited, Unavailable
from domain.ratelimit.services import check
from domain.staff.services import sign_in
from domain.staff.sessions import end_sessions
from portal.staff.auth import clear_session, safe_next, signed_in, start_session
from portal.staff.desk import desk_of
from portal.web import client_of, text, wait_words

MAX_PASSWORD = 1024


def form_page(
    request: Request,
    *,
    email: str = "",
    error: str = "",
    status: int = 200,
    retry_after: int = 0,
) -> Response:
    web = desk_of(request).web
    response = web.render(
        request,
        "staff/sign_in.html",
        {
            "form": {"email": email},
            "errors": {"form": error} if error else {},
            "next": safe_next(request.query_params.get("next", "")) or "",
            "production": web.production,
        },
        status=status,
        private=True,
    )
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


async def sign_in_page(request: Request) -> Response:
    desk = desk_of(request)
    web = desk.web
    if request.method == "GET":
        if await signed_in(request, web.policy.secret_key):
            return desk.redirect(request, "staff:dashboard")
        return form_page(request)
    form = await web.form(request)
    email, password = text(form, "email").strip(), text(form, "password")
    ctx = Context(Actor("anonymous"), dt.datetime.now(dt.UTC), web.policy)
    try:
        # Per client, then per account (any address, known or not: a refusal tells nothing).
        await check("sign_in_client", client_of(request), ctx=ctx)
        await check("sign_in_account", email.lower(), ctx=ctx)
        if len(password) > MAX_PASSWORD:
            raise DomainError("Email or password is not right, or the account is locked.")
        user = await sign_in(email, password, ctx=ctx)
    except RateLimited as error:
        message = f"Too many sign-ins; try again in {wait_words(error.retry_after)}."
        return form_page(
            request, email=email, error=message, status=429, retry_after=error.retry_after
        )
    except Unavailable as error:  # too many password checks waiting already
        return form_page(request, email=email, error=error.message, status=503, retry_after=1)
    except DomainError as error:
        return form_page(request, email=email, error=error.message, status=400)
    target = safe_next(text(form, "next")) or str(request.url_for("staff:dashboard"))
    response = RedirectResponse(target, status_code=303)
    start_session(response, user, web.policy.secret_key, ctx.now, secure=web.production)
    return response


async def sign_out(request: Request) -> Response:
    desk = desk_of(request)
    web = desk.web
    await web.form(request)
    await end_sessions(desk.staff(request).id)
    response = desk.redirect(request, "staff:sign-in")
    clear_session(response, secure=web.production)
    return response


ROUTES = [
    Route("/sign-in", sign_in_page, methods=["GET", "POST"], name="sign-in"),
    Route("/sign-out", sign_out, methods=["POST"], name="sign-out"),
]
