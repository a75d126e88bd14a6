"""Cursors are kept once encoded: a kept one must be the one its key encodes."""

from __future__ import annotations

import base64

from api.pagination import decode_cursor, encode_cursor


def text(cursor: str) -> str:
    return base64.b64decode(cursor).decode()


def test_a_kept_cursor_is_the_one_its_key_encodes() -> None:
    # Equal keys of other types (True == 1 == 1.0) encode differently: never one for another.
    for key in ((True,), (1.0,), (1,), (True,), (2, "2026-01-02", 3), (2.0, "2026-01-02", 3)):
        assert text(encode_cursor(*key)) == "cursor:" + str(list(key)).replace("'", '"').replace(
            "True", "true"
        )
    assert decode_cursor(encode_cursor(7), 1) == [7]
