"""An answer's JSON (api/encoding.py) is the text strawberry's ``json.dumps`` makes of it."""

from __future__ import annotations

import enum
import json
from typing import Any

import pytest

from api.encoding import Kept, KeptList, encode


class Colour(enum.StrEnum):
    RED = "red"


class Count(int):
    pass


def dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def kept(**fields: Any) -> Kept:
    made = Kept()
    made.update(fields)
    return made


CARD = kept(
    id="UHJvZHVjdDox", sku="BENCH-1", name="Caf\u00e9 \u201cbest\u201d \U0001f600", price="9.50"
)
VALUES: list[object] = [
    None,
    True,
    False,
    0,
    -7,
    10**30,
    "",
    'quote " backslash \\ newline \n tab \t nul \x00 del \x7f',
    "\u00e9\u4e2d\U0001f600\ud800",  # a lone surrogate too
    [],
    {},
    [None, True, 1, "a", [], {}],
    {"data": {"products": {"edges": [kept(node=CARD, cursor="Y3Vyc29y")] * 3}}},
    {"data": None, "errors": [{"message": "m", "locations": [{"line": 1, "column": 2}]}]},
    {"\u00e9 key": CARD, "": [CARD, kept()]},
    # Anything else is json.dumps's own: floats, tuples, subclasses, other keys.
    {"f": 1.5, "nan": float("nan"), "inf": float("inf")},
    {"t": (1, 2)},
    {"e": Colour.RED, "c": Count(3)},
    {1: "int key", None: "none key", False: "bool key"},
    {"deep": [[[[{"x": [kept(y=(1,))]}]]]]},
    {"data": {"products": {"edges": KeptList([kept(node=CARD, cursor="Y3Vyc29y")] * 3)}}},
    {"empty": KeptList(), "odd": KeptList([kept(t=(1,)), 1.5, None])},
]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_an_answer_is_encoded_as_json_dumps_encodes_it(value: object) -> None:
    assert encode(value) == dumps(value)


def test_a_kept_part_is_encoded_once_and_its_text_reused() -> None:
    part = kept(sku="A")
    assert encode({"x": part}) == '{"x":{"sku":"A"}}'
    part["sku"] = "changed"  # kept parts never change; this shows the text is the kept one
    assert encode({"x": part}) == '{"x":{"sku":"A"}}'
    assert dumps({"x": part}) == '{"x":{"sku":"changed"}}'


def test_a_kept_list_is_encoded_once_and_its_text_reused() -> None:
    edges = KeptList([kept(sku="A"), kept(sku="B")])
    assert encode({"edges": edges}) == '{"edges":[{"sku":"A"},{"sku":"B"}]}'
    edges.append(kept(sku="C"))  # kept parts never change; this shows the text is the kept one
    assert encode({"edges": edges}) == '{"edges":[{"sku":"A"},{"sku":"B"}]}'
    assert dumps({"edges": edges}) == '{"edges":[{"sku":"A"},{"sku":"B"},{"sku":"C"}]}'


def test_what_json_dumps_refuses_is_refused_the_same() -> None:
    with pytest.raises(TypeError):
        encode({"x": object()})
    looped: list[object] = []
    looped.append(looped)
    with pytest.raises(ValueError, match="Circular"):
        encode({"x": looped})
