"""Opaque IDs: base64 of ``Type:id``, as Relay, Saleor and strawberry's GlobalID spell them.

Clients must treat IDs as opaque strings. A malformed ID, an ID of another type and an unknown
ID all read as "not found": a caller learns nothing from guessing.
"""

from __future__ import annotations

import base64
import binascii

import strawberry

from domain.numbers import database_id_or_none


def encode(type_name: str, pk: int) -> strawberry.ID:
    return strawberry.ID(base64.b64encode(f"{type_name}:{pk}".encode()).decode())


def decode(type_name: str, value: str) -> int | None:
    """The primary key inside an ID of ``type_name``, or None."""
    if not value or len(value) > 100:
        return None
    try:
        text = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    kind, _, pk = text.partition(":")
    return database_id_or_none(pk) if kind == type_name else None
