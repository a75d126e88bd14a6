"""What the composition root adds to serve in production: forwarded headers from trusted
proxies only, request ids and logs, and ``/metrics``."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.routing import Route
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from ops.metrics import metrics_routes
from ops.requests import RequestLog
from settings import Settings


def serving_middleware(
    settings: Settings, *, headers: tuple[tuple[bytes, bytes], ...] = ()
) -> list[Middleware]:
    """Outermost first. ``X-Forwarded-For``/``-Proto`` are believed only from the addresses in
    FORWARDED_ALLOW_IPS (the app applies them itself, whatever server runs it); from anyone
    else they are ignored, and the client is the connection's peer. ``headers`` go on every
    response that lacks them, added in the same pass as ``X-Request-Id`` (``RequestLog``)."""
    middleware = []
    if settings.forwarded_allow_ips.strip():
        middleware.append(
            Middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)
        )
    middleware.append(Middleware(RequestLog, headers=headers))
    return middleware


def serving_routes(settings: Settings) -> list[Route]:
    return metrics_routes(settings.metrics_allow_ips)
