"""``POST /api/products/{productId}/images``: a product image, uploaded as the raw body.

GraphQL bodies are JSON and capped (``api/http.py``), so an image has its own door beside
/graphql. ``productId`` is the product's GraphQL ID, ``?alt=`` the alt text, the body the image
bytes (at most ``images.MAX_BYTES``; one byte more is read only to refuse it). Auth is the API
token of /graphql, ``Authorization: Bearer <token>`` with scope ``catalog``, counted against the
token's rate; no cookie is read, so there is no CSRF to check. The answer is shaped like a
mutation payload: ``{"image": {...}, "errors": []}`` with 200, or ``{"image": null, "errors":
[{"code", "field", "message"}]}`` with 400, 403, 404 or 429; an outage is 503 with
``Retry-After``, as on /graphql.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api import ids
from api.errors import ErrorCode, code_of
from api.fields import api_field
from api.permissions import CATALOG
from api.types.images import media_url
from domain.catalog.image_reads import images_of
from domain.catalog_admin import images
from domain.context import Context, Policy
from domain.db import outage
from domain.errors import DomainError, NotFound, PermissionDenied, RateLimited
from domain.ratelimit.services import check
from domain.staff.services import actor_for_token, require_scope

log = logging.getLogger("preorder.api")

STATUS = {
    ErrorCode.PERMISSION_DENIED: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.RATE_LIMITED: 429,
}


def _payload(image: dict[str, Any] | None, errors: list[dict[str, Any]]) -> dict[str, Any]:
    return {"image": image, "errors": errors}


def _refused(error: DomainError) -> Response:
    code = code_of(error)
    body = _payload(
        None, [{"code": code.name, "field": api_field(error.field), "message": error.message}]
    )
    headers = {}
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(error.retry_after)
    return JSONResponse(body, STATUS.get(code, 400), headers)


async def _body(request: Request) -> bytes:
    """At most ``MAX_BYTES + 1`` bytes: enough to tell an image over the limit."""
    cap = images.MAX_BYTES + 1
    data = bytearray()
    try:
        async for chunk in request.stream():
            data += chunk[: cap - len(data)]
            if len(data) >= cap:
                break
    except ClientDisconnect:
        pass
    return bytes(data)


async def _staff(request: Request, policy: Policy, now: dt.datetime) -> Context:
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    ctx = Context.system(policy, now)
    actor = None
    if scheme.lower() == "bearer" and secret.strip():
        actor = await actor_for_token(secret.strip(), ctx=ctx)
    if actor is None:
        raise PermissionDenied(
            "This needs a staff API token: send 'Authorization: Bearer <token>'."
        )
    await check("api_token", actor.ident, ctx=ctx)
    require_scope(actor, CATALOG)
    return Context(actor, now, policy)


async def _upload(request: Request, policy: Policy) -> Response:
    ctx = await _staff(request, policy, dt.datetime.now(dt.UTC))
    product_id = ids.decode("Product", request.path_params["product_id"])
    if product_id is None:
        raise NotFound("No such product.", field="productId")
    data = await _body(request)
    alt = request.query_params.get("alt", "")
    stored = await images.add_image(product_id, data, alt, media_dir=policy.media_dir, ctx=ctx)
    shown = next(v for v in (await images_of([product_id]))[product_id] if v.id == stored.id)
    image = {
        "id": ids.encode("ProductImage", stored.id),
        "url": media_url(policy, shown.filename),
        "thumbnailUrl": media_url(policy, shown.thumbnail),
        "altText": shown.alt_text,
        "width": shown.width,
        "height": shown.height,
    }
    return JSONResponse(_payload(image, []))


def upload_routes(policy: Policy) -> list[Route]:
    async def image_upload(request: Request) -> Response:
        if request.method != "POST":  # not the portal's HTML 404: this door answers JSON
            error = {"code": ErrorCode.INVALID.name, "field": None, "message": "Send with POST."}
            return JSONResponse(_payload(None, [error]), 405, {"Allow": "POST"})
        try:
            return await _upload(request, policy)
        except DomainError as error:
            return _refused(error)
        except Exception as error:
            found = outage(error)
            if found is None:
                raise
            log.warning("database unavailable: %r", error)
            body = _payload(
                None,
                [{"code": ErrorCode.UNAVAILABLE.name, "field": None, "message": found.message}],
            )
            return JSONResponse(body, 503, {"Retry-After": str(found.retry_after)})

    return [
        Route(
            "/api/products/{product_id}/images",
            image_upload,
            methods=["GET", "POST"],
            name="api-product-image-upload",
        )
    ]
