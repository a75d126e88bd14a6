"""Strawberry parses each request's Content-Type with ``email.message`` (about a tenth of the
cost of a small query here); clients send a handful of distinct values, so the parse of each
is kept. The parse is a pure function of the header; each caller gets its own parameters
dict. Long or unusual values are parsed every time and never kept, so a client sending a new
header each request cannot grow the memo past ``KEPT`` entries.
"""

from __future__ import annotations

import functools

from strawberry.http import async_base_view
from strawberry.http.parse_content_type import parse_content_type as parse_uncached

KEPT = 64
MAX_KEPT_LENGTH = 100


@functools.lru_cache(maxsize=KEPT)
def _parsed(content_type: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    mime_type, params = parse_uncached(content_type)
    return mime_type, tuple(params.items())


def parse_content_type(content_type: str) -> tuple[str, dict[str, str]]:
    if len(content_type) > MAX_KEPT_LENGTH:
        return parse_uncached(content_type)
    mime_type, params = _parsed(content_type)
    return mime_type, dict(params)


def install() -> None:
    """Used by strawberry's async view (the one behind /graphql) from then on."""
    async_base_view.parse_content_type = parse_content_type  # type: ignore[attr-defined]
