"""An answer's JSON, with the parts kept between requests encoded once.

strawberry encodes an answer with ``json.dumps(data, separators=(",", ":"))``. Most of a
catalogue page is the answers of its products and edges, which the executor keeps between
requests (``api/execution.py``, ``shared_answers``) as ``Kept`` dicts, and the list of a page's
edges as a ``KeptList``. Here a kept part is encoded once, the first time it is answered, and
its text is put in place of it every time after; the rest of the answer (a few dicts and
lists around them) is encoded here as ``json.dumps`` encodes it.

Without indentation and with fixed separators, ``json.dumps`` writes a nested value exactly
as it writes that value alone, so the joined text is the text ``json.dumps`` makes of the
whole. Only exact ``dict`` (string keys), ``list``, ``str``, ``int``, ``bool`` and ``None``
are written here; anything else (a float, a tuple, a subclass, a key of another type) and the
whole answer is left to ``json.dumps`` itself. tests/api/test_answer_encoding.py holds both
equal.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import encode_basestring_ascii
from typing import Any

SEPARATORS = (",", ":")


class _KeptPart:
    """An answer's part that is shared between requests and never changed once built; its
    JSON is written the first time it is asked for (``text``)."""

    __slots__ = ()  # each subclass declares the ``_text`` slot: a builtin base has its own layout
    _text: str

    def text(self) -> str:
        try:
            return self._text
        except AttributeError:
            self._text = json.dumps(self, separators=SEPARATORS)  # type: ignore[misc]
            return self._text


class Kept(_KeptPart, dict):  # type: ignore[type-arg]
    """A kept object's answer (a product, an edge)."""

    __slots__ = ("_text",)


class KeptList(_KeptPart, list):  # type: ignore[type-arg]
    """A kept list's answer (a page's edges)."""

    __slots__ = ("_text",)


class _Unusual(Exception):  # noqa: N818 - not an error: "leave it to json.dumps"
    pass


def encode(data: object) -> str:
    """``json.dumps(data, separators=(",", ":"))``, the same text."""
    parts: list[str] = []
    try:
        _write(data, parts.append)
    except (_Unusual, RecursionError):
        return json.dumps(data, separators=SEPARATORS)
    return "".join(parts)


def _write(value: Any, out: Callable[[str], None]) -> None:  # noqa: C901, PLR0912 - one case per type
    kind = type(value)
    if kind is str:
        out(encode_basestring_ascii(value))
    elif kind is Kept or kind is KeptList:
        out(value.text())
    elif kind is dict:
        out("{")
        first = True
        for key, item in value.items():
            if type(key) is not str:
                raise _Unusual
            if first:
                first = False
            else:
                out(",")
            out(encode_basestring_ascii(key))
            out(":")
            _write(item, out)
        out("}")
    elif kind is list:
        out("[")
        first = True
        for item in value:
            if first:
                first = False
            else:
                out(",")
            _write(item, out)
        out("]")
    elif value is None:
        out("null")
    elif value is True:
        out("true")
    elif value is False:
        out("false")
    elif kind is int:
        out(int.__repr__(value))
    else:
        raise _Unusual
