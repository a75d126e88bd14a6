"""The cart: SKUs and quantities in a signed cookie. No server state before an order exists."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from starlette.requests import Request
from starlette.responses import Response

CART_COOKIE = "portal_cart"
MAX_LINES = 20
MAX_QUANTITY = 999


def _sign(secret_key: str, body: str) -> str:
    return hmac.new(secret_key.encode(), f"cart:{body}".encode(), hashlib.sha256).hexdigest()[:32]


def read_cart(request: Request, secret_key: str) -> dict[str, int]:
    raw = request.cookies.get(CART_COOKIE, "")
    body, _, signature = raw.rpartition(".")
    if not body or not hmac.compare_digest(_sign(secret_key, body), signature):
        return {}
    try:
        data = json.loads(base64.urlsafe_b64decode(body.encode()))
    except (ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(sku): int(qty)
        for sku, qty in list(data.items())[:MAX_LINES]
        if isinstance(qty, int) and 0 < qty <= MAX_QUANTITY
    }


def write_cart(response: Response, cart: dict[str, int], secret_key: str, *, secure: bool) -> None:
    if not cart:
        response.delete_cookie(CART_COOKIE, path="/")
        return
    body = base64.urlsafe_b64encode(json.dumps(cart, sort_keys=True).encode()).decode()
    response.set_cookie(
        CART_COOKIE,
        f"{body}.{_sign(secret_key, body)}",
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
        max_age=60 * 60 * 24 * 7,
    )
