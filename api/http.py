"""The /graphql route: strawberry's ASGI view with our per-request context."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLHTTPResponse
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET

from api import content_type, ide
from api.cache import ResponseCache
from api.context import ApiContext, local_day
from api.encoding import encode
from api.errors import ErrorCode
from api.schema import build_schema
from domain.context import Policy
from domain.db import DatabaseUnavailable, outage
from domain.errors import InvalidInput
from domain.numbers import byte_count

log = logging.getLogger("preorder.api")
UNAVAILABLE = ErrorCode.UNAVAILABLE.name

MAX_BODY_BYTES = 256 * 1024  # an order of 100 lines is a few kilobytes

content_type.install()


class GraphQLView(GraphQL[ApiContext, None]):
    """``lean=False`` answers every request the way strawberry's view does (``GraphQL.run``, then
    ``Schema.execute`` with its extension runner); the sameness test answers both ways."""

    def __init__(self, policy: Policy, *, production: bool, lean: bool = True) -> None:
        super().__init__(
            build_schema(production=production, lean=lean),
            graphql_ide=None if production else "graphiql",
            allow_queries_via_get=True,
            multipart_uploads_enabled=False,
        )
        self.policy = policy
        self.cache = ResponseCache(self.schema._schema)  # type: ignore[attr-defined]
        # The short path of ``_execute`` is for one JSON operation over plain HTTP: no batching,
        # no streaming transport configured.
        self.lean = (
            lean and not self._stream_transport_map and self.schema.config.batching_config is None
        )

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        """Refusals of the request itself answer JSON errors (GraphQL over HTTP), never HTML."""
        try:
            return await self._answer(request, context, root_value)
        except HTTPException as error:
            return _refused(error)
        finally:
            _forget_context(request)

    async def _answer(self, request: Any, context: Any, root_value: Any) -> Any:
        """The answer, or 503 when the database cannot serve: an outage outside execution
        (the answer cache's reads) is caught here, one inside it by ``process_result``."""
        try:
            return await self._run(request, context, root_value)
        except Exception as error:
            found = outage(error)
            if found is None:
                raise
            log.warning("database unavailable: %r", error)
            return unavailable_response(found)

    async def _run(self, request: Any, context: Any, root_value: Any) -> Any:
        """Catalogue queries answered before are answered again if their rows are unchanged."""
        if not _json_post(request):
            return await super().run(request, context, root_value)
        try:
            declared = byte_count(request.headers.get("content-length"))
        except InvalidInput as error:
            raise HTTPException(400, error.message) from None
        if declared > MAX_BODY_BYTES:
            raise HTTPException(413, "Request body too large.")
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            raise HTTPException(413, "Request body too large.")
        day = local_day(dt.datetime.now(dt.UTC), self.policy.zone)
        cached = await self.cache.answer(body, day)
        if cached is not None:
            return Response(cached, media_type="application/json")
        response: Response = await self._execute(request, body, context, root_value)
        api_context = getattr(request.state, "api_context", None)
        if isinstance(api_context, ApiContext) and response.status_code == 200:
            self.cache.keep(body, api_context.today, api_context.reads, bytes(response.body))
        return response

    async def _execute(self, request: Request, body: bytes, context: Any, root_value: Any) -> Any:
        """One JSON object POSTed: what ``GraphQL.run`` answers, by its steps for this case only
        (the body parsed once, no request adapter, no transport lookup). Anything else (a
        batch, another media type, a context passed in) goes strawberry's way."""
        mime_type, _ = content_type.parse_content_type(request.headers.get("content-type", ""))
        if not self.lean or mime_type != "application/json" or context is not UNSET:
            return await super().run(request, context, root_value)
        if root_value is UNSET:
            root_value = await self.get_root_value(request)  # type: ignore[func-returns-value]
        sub_response = await self.get_sub_response(request)
        api_context = await self.get_context(request, response=sub_response)
        data = self.parse_json(body)
        if not isinstance(data, dict):
            return await super().run(request, api_context, root_value)  # refused there
        query, variables, extensions = _request_parts(data)
        try:
            result = await self.schema.execute(
                query,
                root_value=root_value,
                variable_values=variables,
                context_value=api_context,
                operation_name=data.get("operationName"),
                allowed_operation_types=_BY_POST,
                operation_extensions=extensions,
            )
        except CannotGetOperationTypeError as error:
            raise HTTPException(400, error.as_http_error_reason()) from error
        except InvalidOperationTypeError as error:
            raise HTTPException(400, error.as_http_error_reason("POST")) from error
        except MissingQueryError as error:
            raise HTTPException(400, "No GraphQL query found in the request") from error
        response_data = await self.process_result(request, result)
        if result.errors:
            self._handle_errors(result.errors, response_data)
        return self.create_response(response_data=response_data, sub_response=sub_response)

    def encode_json(self, data: object) -> str | bytes:
        """strawberry's JSON, with the answers' kept parts encoded once (api/encoding.py);
        ``lean=False`` encodes as strawberry does, to compare with."""
        if self.lean:
            return encode(data)
        return super().encode_json(data)

    def parse_json(self, data: str | bytes) -> Any:
        """A request is one JSON object (a list is a batch, refused as batching is off)."""
        parsed = super().parse_json(data)
        if not isinstance(parsed, (dict, list)):
            raise HTTPException(400, "The request body must be a JSON object.")
        return parsed

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """An answer with an ``UNAVAILABLE`` error is a 503 with ``Retry-After``."""
        response = await super().process_result(request, result)
        codes = {(error.extensions or {}).get("code") for error in result.errors or []}
        api_context = getattr(request.state, "api_context", None)
        if UNAVAILABLE in codes and isinstance(api_context, ApiContext):
            log.warning("database unavailable during %s", request.url.path)
            api_context.response.status_code = 503
            api_context.response.headers["Retry-After"] = str(DatabaseUnavailable.retry_after)
        return response

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from this machine's ``/graphiql-assets`` (api/ide.py), never from a CDN."""
        html = ide.local_ide_html(self.graphql_ide_html)
        if not ide.assets_installed(html):
            return ide.missing_assets_page()
        return HTMLResponse(html, headers={"Content-Security-Policy": ide.ide_csp(html)})

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


_BY_POST = frozenset(OperationType.from_http("POST"))


def _request_parts(data: dict[str, Any]) -> tuple[Any, Any, Any]:
    """The query, variables and extensions of a request object, refused with strawberry's
    messages (``AsyncBaseHTTPView.parse_http_body``) when of the wrong kind."""
    query = data.get("query")
    if not isinstance(query, str | None):
        raise HTTPException(
            400, "The GraphQL operation's `query` must be a string or null, if provided."
        )
    variables = data.get("variables")
    if not isinstance(variables, dict | None):
        raise HTTPException(
            400, "The GraphQL operation's `variables` must be an object or null, if provided."
        )
    extensions = data.get("extensions")
    if not isinstance(extensions, dict | None):
        raise HTTPException(
            400, "The GraphQL operation's `extensions` must be an object or null, if provided."
        )
    return query, variables, extensions


def _forget_context(request: Any) -> None:
    """The request's context leaves the request's state once answered: each refers to the
    other (``ApiContext.request``), a cycle that left both, with their headers, state and
    response, to the garbage collector instead of being freed as the request ends."""
    state = getattr(request, "scope", {}).get("state")
    if isinstance(state, dict):
        state.pop("api_context", None)


def _refused(error: HTTPException) -> Response:
    """``{"errors": [{"message"}]}``; a mutation sent by GET is 405 with ``Allow: POST``."""
    status, headers = error.status_code, {}
    if isinstance(error.__cause__, InvalidOperationTypeError):
        status, headers = 405, {"Allow": "POST"}
    elif status == 405:
        headers = {"Allow": "GET, POST"}
    return JSONResponse({"errors": [{"message": error.reason}]}, status, headers)


def unavailable_response(error: DatabaseUnavailable) -> Response:
    body = {
        "data": None,
        "errors": [{"message": error.message, "extensions": {"code": UNAVAILABLE}}],
    }
    return Response(
        json.dumps(body),
        status_code=503,
        media_type="application/json",
        headers={"Retry-After": str(error.retry_after)},
    )


def _json_post(request: object) -> bool:
    return (
        isinstance(request, Request)
        and request.method == "POST"
        and request.headers.get("content-type", "").startswith("application/json")
    )


def graphql_routes(policy: Policy, *, production: bool) -> list[Route | Mount]:
    """``Route``, not ``Mount``: a mount answers POST /graphql with a redirect. In development,
    GraphiQL's files are served beside it."""
    route = Route(
        "/graphql",
        GraphQLView(policy, production=production),
        methods=["GET", "POST"],
        name="graphql",
    )
    return [route] if production else [route, ide.assets_mount()]
