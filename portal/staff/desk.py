"""What every staff page shares: the signed-in member, their Context, no-store pages."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from domain import numbers
from domain.context import Context
from domain.staff.services import staff_actor
from domain.staff.sessions import StaffMember
from portal.staff import formatting
from portal.web import Web

T = TypeVar("T")


class Desk:
    def __init__(self, web: Web) -> None:
        self.web = web
        self.policy = web.policy
        env = web.templates.env
        env.filters["when"] = lambda v: formatting.when(v, web.policy.zone)
        env.filters["percent"] = formatting.percent
        env.filters["plural"] = formatting.plural
        env.filters["signed"] = formatting.signed
        env.filters["ratio"] = formatting.ratio
        env.filters["kind"] = formatting.kind
        env.filters["reason"] = formatting.reason
        env.filters["detail"] = formatting.detail

    @staticmethod
    def staff(request: Request) -> StaffMember:
        user: StaffMember = request.state.staff
        return user

    def context(self, request: Request) -> Context:
        return Context(staff_actor(self.staff(request)), dt.datetime.now(dt.UTC), self.policy)

    def today(self) -> dt.date:
        return Context.system(self.policy).today

    def page(
        self,
        request: Request,
        template: str,
        values: dict[str, Any] | None = None,
        *,
        status: int = 200,
    ) -> Response:
        """Staff pages are never stored by browsers or proxies."""
        return self.web.render(
            request,
            f"staff/{template}",
            {"staff": self.staff(request), "today": self.today(), **(values or {})},
            status=status,
            private=True,
        )

    async def form(self, request: Request) -> FormData:
        return await self.web.form(request)

    @staticmethod
    def redirect(request: Request, name: str, query: str = "", **params: Any) -> RedirectResponse:
        url = str(request.url_for(name, **params))
        return RedirectResponse(f"{url}?{query}" if query else url, status_code=303)

    @staticmethod
    def path_int(request: Request, name: str) -> int:
        value = numbers.database_id_or_none(request.path_params[name])
        if value is None:
            raise HTTPException(404)
        return value


def found(record: T | None) -> T:
    """The record a page is about, or 404 when there is none (or it is not the caller's)."""
    if record is None:
        raise HTTPException(404)
    return record


def desk_of(request: Request) -> Desk:
    """The console's shared ``Desk``, set once on the app (``app.state.desk``) beside ``Web``."""
    desk: Desk = request.app.state.desk
    return desk
