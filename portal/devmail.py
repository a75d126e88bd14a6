"""``/dev/mailbox``: the messages the local development mailbox received. Never in production.

Email HTML is shown only inside a sandboxed frame whose own response forbids scripts, forms,
plugins and every network load (``default-src 'none'``), so a message cannot run code or fetch
anything, however its HTML was written; inline styles are allowed so it looks as sent.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from domain.notifications.sending.mailbox import Mailbox

PAGE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; base-uri 'none';"
    " form-action 'none'; frame-ancestors 'none'"
)
FRAME_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none';"
    " form-action 'none'; frame-ancestors 'self'; sandbox"
)

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
_PAGE = _env.get_template("dev_mailbox.html")


def _html(body: str, csp: str, *, frame: bool = False, status: int = 200) -> HTMLResponse:
    response = HTMLResponse(body, status_code=status)
    response.headers["Content-Security-Policy"] = csp
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "SAMEORIGIN" if frame else "DENY"
    return response


def routes(directory: str) -> list[Route]:
    mailbox = Mailbox(directory)

    async def index(request: Request) -> Response:
        messages = mailbox.messages()
        links = {m.name: str(request.url_for("dev-mailbox-message", name=m.name)) for m in messages}
        return _html(
            _PAGE.render(title="Mailbox", messages=messages, links=links, message=None), PAGE_CSP
        )

    async def message(request: Request) -> Response:
        found = mailbox.read(request.path_params["name"])
        if found is None:
            raise HTTPException(404)
        return _html(
            _PAGE.render(
                title=found.subject,
                message=found,
                messages=[],
                links={},
                back=str(request.url_for("dev-mailbox")),
                frame=str(request.url_for("dev-mailbox-html", name=found.name)),
            ),
            PAGE_CSP,
        )

    async def html_part(request: Request) -> Response:
        found = mailbox.read(request.path_params["name"])
        if found is None:
            raise HTTPException(404)
        return _html(found.html or "<p>(no HTML part)</p>", FRAME_CSP, frame=True)

    return [
        Route("/dev/mailbox", index, name="dev-mailbox"),
        Route("/dev/mailbox/{name}", message, name="dev-mailbox-message"),
        Route("/dev/mailbox/{name}/html", html_part, name="dev-mailbox-html"),
    ]
