"""Where a webhook may be sent (SSRF). The URL's shape is checked when a subscription is saved
(:func:`url_problem`, pure); the addresses are checked at every send (:func:`resolve`), since
DNS can change after saving. The request then goes to the address checked, not to the name
again, so a second lookup cannot answer differently (DNS rebinding).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

MAX_URL = 2000


class TargetRefused(Exception):
    """The target may not be reached: its message says why (shown to staff)."""


def url_problem(url: str, *, production: bool) -> str | None:
    """Why ``url`` cannot be a webhook target, or None."""
    if not url or not url.strip():
        return "Enter the URL to send events to."
    if len(url) > MAX_URL:
        return f"A URL has at most {MAX_URL} characters."
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return "A URL has no spaces or control characters."
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "This is not a valid URL."
    allowed = ("https",) if production else ("https", "http")
    if parts.scheme not in allowed:
        return "The URL must start with https://." if production else "Use an http(s) URL."
    if not parts.hostname:
        return "The URL needs a host name."
    if parts.username or parts.password:
        return "A webhook URL carries no user name or password."
    if port == 0:
        return "This is not a valid port."
    if parts.fragment:
        return "A webhook URL has no #fragment."
    return None


def address_allowed(address: str, *, loopback: bool) -> bool:
    """Only global unicast addresses; loopback too when ``loopback`` (development)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return loopback
    if isinstance(ip, ipaddress.IPv6Address):
        # NAT64 and 6to4 wrap IPv4 addresses that may be internal; is_global misses them.
        if ip in ipaddress.ip_network("64:ff9b::/96") or ip in ipaddress.ip_network("2002::/16"):
            return False
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


async def resolve(host: str, port: int, *, loopback: bool) -> str:
    """The address to connect to; refuses unless every address of ``host`` is allowed."""
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
        addresses = [str(literal)]
    except ValueError:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as error:
            raise TargetRefused(f"cannot resolve {host}: {error}") from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise TargetRefused(f"{host} has no address")
    refused = [a for a in addresses if not address_allowed(a, loopback=loopback)]
    if refused:
        raise TargetRefused(f"{host} resolves to a non-public address ({refused[0]})")
    return addresses[0]
