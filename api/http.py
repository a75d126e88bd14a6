"""The /graphql route: strawberry's ASGI view with our per-request context."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.types.unset import UNSET

from api.cache import ResponseCache
from api.context import ApiContext
from api.schema import build_schema
from domain.context import Policy
from domain.errors import InvalidInput
from domain.numbers import byte_count

MAX_BODY_BYTES = 256 * 1024  # an order of 100 lines is a few kilobytes

# GraphiQL (development only) loads its scripts and styles from unpkg.com.
IDE_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://unpkg.com; "
    "style-src 'self' 'unsafe-inline' https://unpkg.com; font-src 'self' data: https://unpkg.com; "
    "img-src 'self' data: https://unpkg.com; connect-src 'self'; frame-ancestors 'none'"
)


class GraphQLView(GraphQL[ApiContext, None]):
    def __init__(self, policy: Policy, *, production: bool) -> None:
        super().__init__(
            build_schema(production=production),
            graphql_ide=None if production else "graphiql",
            allow_queries_via_get=True,
            multipart_uploads_enabled=False,
        )
        self.policy = policy
        self.cache = ResponseCache(self.schema._schema)  # type: ignore[attr-defined]

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        """Catalogue queries answered before are answered again if their rows are unchanged."""
        if not _json_post(request):
            return await super().run(request, context, root_value)
        try:
            declared = byte_count(request.headers.get("content-length"))
        except InvalidInput as error:
            return PlainTextResponse(error.message, status_code=400)
        if declared > MAX_BODY_BYTES:
            return PlainTextResponse("Request body too large.", status_code=413)
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return PlainTextResponse("Request body too large.", status_code=413)
        day = dt.datetime.now(dt.UTC).astimezone(self.policy.zone).date()
        cached = await self.cache.answer(body, day)
        if cached is not None:
            return Response(cached, media_type="application/json")
        response: Response = await super().run(request, context, root_value)
        api_context = getattr(request.state, "api_context", None)
        if isinstance(api_context, ApiContext) and response.status_code == 200:
            self.cache.keep(body, api_context.today, api_context.reads, bytes(response.body))
        return response

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(self.graphql_ide_html, headers={"Content-Security-Policy": IDE_CSP})

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> ApiContext:
        context = ApiContext(
            request=request,  # type: ignore[arg-type]
            response=response,  # type: ignore[arg-type]
            policy=self.policy,
            now=dt.datetime.now(dt.UTC),
        )
        request.state.api_context = context
        return context


def _json_post(request: object) -> bool:
    return (
        isinstance(request, Request)
        and request.method == "POST"
        and request.headers.get("content-type", "").startswith("application/json")
    )


def graphql_route(policy: Policy, *, production: bool) -> Route:
    """``Route``, not ``Mount``: a mount answers POST /graphql with a redirect."""
    return Route(
        "/graphql",
        GraphQLView(policy, production=production),
        methods=["GET", "POST"],
        name="graphql",
    )
