"""What every portal page shares: templates, the request's Context, forms checked for CSRF."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from domain import numbers
from domain.context import Actor, Context, Policy
from domain.errors import DomainError, InvalidInput, RateLimited
from domain.notifications.composing import words as wording
from domain.ratelimit.services import check
from portal import formatting
from portal.fields import form_field
from portal.security import (
    CSRF_FIELD,
    csrf_token_for,
    csrf_valid,
    ensure_csrf_cookie,
    remember_csrf,
)

TEMPLATES = Path(__file__).parent / "templates"
MAX_FORM_BYTES = 64 * 1024


class Web:
    def __init__(
        self, policy: Policy, *, production: bool, store_name: str = "Home & Ride"
    ) -> None:
        self.policy = policy
        self.production = production
        self.store_name = store_name
        environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES)),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        self.templates = Jinja2Templates(env=environment)
        env = self.templates.env
        env.filters["money"] = lambda v: formatting.money(v, policy.currency)
        env.filters["day"] = formatting.day
        env.filters["window"] = formatting.window
        env.filters["change"] = formatting.change
        env.filters["basis"] = formatting.basis
        env.filters["weeks"] = formatting.weeks
        # Event details are written for staff and may name other orders: customers read the
        # customer-facing sentence of the event's reason instead.
        env.filters["customer_reason"] = wording.reason

    def context(self, actor: Actor | None = None) -> Context:
        return Context(actor or Actor("customer"), dt.datetime.now(dt.UTC), self.policy)

    def render(
        self,
        request: Request,
        template: str,
        values: dict[str, Any] | None = None,
        *,
        status: int = 200,
        private: bool = False,
    ) -> Response:
        """Private pages (reached by a secret link) are never stored by browsers or proxies."""
        cookie = ensure_csrf_cookie(request)
        page = {
            "csrf_field": CSRF_FIELD,
            "csrf_token": csrf_token_for(self.policy.secret_key, cookie),
            "store_name": self.store_name,
            "errors": {},
            "form": {},
            **(values or {}),
        }
        response = self.templates.TemplateResponse(request, template, page, status_code=status)
        if private:
            response.headers["Cache-Control"] = "no-store"
            response.headers["Referrer-Policy"] = "no-referrer"
        remember_csrf(request, response, secure=self.production)
        return response

    async def form(self, request: Request) -> FormData:
        """The posted form, or 403 when its CSRF token does not match the browser's cookie."""
        content_type = request.headers.get("content-type", "").split(";")[0].strip()
        if content_type != "application/x-www-form-urlencoded":
            raise HTTPException(415, "Forms are sent URL-encoded.")
        try:
            declared = numbers.byte_count(request.headers.get("content-length"))
        except InvalidInput as error:
            raise HTTPException(400, error.message) from None
        if declared > MAX_FORM_BYTES:
            raise HTTPException(413, "This form is too large.")
        form = await request.form(max_files=0, max_fields=200)
        token = form.get(CSRF_FIELD)
        if not isinstance(token, str) or not csrf_valid(request, token, self.policy.secret_key):
            raise HTTPException(
                403, "This form has expired. Go back, reload the page and try again."
            )
        return form

    async def limit(self, request: Request, name: str, key: str | None = None) -> None:
        """Count this request against the rate ``name``, keyed by the client's address unless
        ``key`` is given; past it, 429 with ``Retry-After`` (the error page says to wait)."""
        try:
            await check(name, client_of(request) if key is None else key, ctx=self.context())
        except RateLimited as error:
            raise HTTPException(
                429,
                f"{error.message} Try again in {wait_words(error.retry_after)}.",
                headers={"Retry-After": str(error.retry_after)},
            ) from None

    @staticmethod
    def redirect(request: Request, name: str, **params: Any) -> RedirectResponse:
        return RedirectResponse(str(request.url_for(name, **params)), status_code=303)


def web_of(request: Request) -> Web:
    """The portal's shared ``Web``: set once on the app (``app.state.web``) by ``create_app``, so
    that every page is a plain module-level function of the request."""
    web: Web = request.app.state.web
    return web


def client_of(request: Request) -> str:
    """The client's IP address (behind a proxy, only with uvicorn's --proxy-headers set)."""
    return request.client.host if request.client else "unknown"


def wait_words(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{round(seconds / 60)} minutes"


def field_errors(error: DomainError, form: str | None = None) -> dict[str, str]:
    """A domain error as a message next to the field it names on ``form`` (``portal.fields``),
    or at the top of the form."""
    return {form_field(error.field, form): error.message}


def text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def form_id(form: Mapping[str, Any], name: str) -> int | None:
    """The id a form field names, or None when it cannot name one (nothing chosen, or unknown)."""
    return numbers.database_id_or_none(text(form, name))


def query_page(request: Request, name: str) -> int | None:
    """A page link's position (``?after=``, ``?before=``); a broken link is a 400 that says so."""
    try:
        return numbers.page_position(request.query_params.get(name), field=name)
    except InvalidInput as error:
        raise HTTPException(400, error.message) from None


def query_number(
    request: Request, name: str, *, minimum: int = 1, maximum: int = numbers.MAX_ID
) -> int | None:
    """A number in a link (an id to filter by, a count to show); absent is None, broken a 400."""
    raw = request.query_params.get(name, "")
    if not raw.strip():
        return None
    try:
        return numbers.whole_number(raw, field=name, minimum=minimum, maximum=maximum)
    except InvalidInput:
        raise HTTPException(400, "This link is not valid.") from None
