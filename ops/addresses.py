"""Lists of client addresses named in settings (FORWARDED_ALLOW_IPS, METRICS_ALLOW_IPS)."""

from __future__ import annotations

import ipaddress

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(name: str, text: str) -> tuple[Network, ...]:
    """``127.0.0.1, 10.0.0.0/8, ::1`` as networks; an entry that is no address names itself."""
    networks = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{name}: {entry[:60]!r} is not an IP address or network") from None
    return tuple(networks)


def allowed(host: str | None, networks: tuple[Network, ...]) -> bool:
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)
