"""Order, build and PO numbers are short references a person can read out: the prefix, then
eight of 32 letters and digits that cannot be mistaken (no 0/O, no 1/I), each equally likely."""

from __future__ import annotations

from collections import Counter

from domain.customers.links import _ALPHABET, new_number


def test_a_number_is_its_prefix_and_eight_unmistakable_characters() -> None:
    for _ in range(200):
        number = new_number("R")
        assert number[0] == "R" and len(number) == 9
        assert set(number[1:]) <= set(_ALPHABET)
        assert not set(number[1:]) & set("01IO")


def test_every_character_of_the_alphabet_is_drawn_about_as_often() -> None:
    drawn = Counter("".join(new_number("")[:8] for _ in range(4000)))
    assert set(drawn) == set(_ALPHABET)
    # 32,000 draws: 1,000 expected each; a bias towards a part of the alphabet would show.
    assert all(800 < count < 1200 for count in drawn.values()), drawn
