"""The bounded memo of the serving path (domain/lru.py ``LruMemo``): a refresh or a store makes
an entry the last to go, a store forgets the least recently used past the bound, and racing
threads neither raise nor leave more than the bound."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress

import pytest

from domain.lru import LruMemo

THREADS = 8
CALLS = 5_000


def kept(memo: LruMemo[str, int], keys: str) -> list[str]:
    """The keys of ``keys`` still kept; a lookup alone refreshes nothing."""
    return [key for key in keys if memo.get(key) is not None]


def test_the_least_recently_stored_goes_first_past_the_bound() -> None:
    memo: LruMemo[str, int] = LruMemo(3)
    for n, key in enumerate("abcde"):
        memo.put(key, n)
    assert len(memo) == 3
    assert memo.get("a") is None and memo.get("b") is None
    assert (memo.get("c"), memo.get("d"), memo.get("e")) == (2, 3, 4)


def test_a_refreshed_entry_is_the_last_to_go() -> None:
    memo: LruMemo[str, int] = LruMemo(3)
    for n, key in enumerate("abc"):
        memo.put(key, n)
    assert memo.get("a") == 0
    memo.move_to_end("a")  # the caller's refresh once the entry holds: now b, c, a
    memo.put("d", 3)  # b goes
    assert memo.get("b") is None
    memo.put("e", 4)  # c goes: a was refreshed after it
    assert kept(memo, "abcde") == ["a", "d", "e"]


def test_a_lookup_alone_leaves_the_order_to_the_caller() -> None:
    """A caller refreshes an entry only once it holds (an identity check, a date), as the
    memos of the serving path do; an entry found and refused goes in its turn."""
    memo: LruMemo[str, int] = LruMemo(2)
    memo.put("a", 0)
    memo.put("b", 1)
    assert memo.get("a") == 0
    memo.put("c", 2)
    assert kept(memo, "abc") == ["b", "c"]


def test_a_store_over_a_kept_key_replaces_it_and_makes_it_the_last_to_go() -> None:
    memo: LruMemo[str, int] = LruMemo(2)
    memo.put("a", 0)
    memo.put("b", 1)
    memo.put("a", 10)  # now b, a
    memo.put("c", 2)  # b goes
    assert len(memo) == 2
    assert (memo.get("a"), memo.get("b"), memo.get("c")) == (10, None, 2)


def test_a_missed_lookup_answers_none_and_keeps_the_order() -> None:
    memo: LruMemo[str, int] = LruMemo(2)
    memo.put("a", 0)
    memo.put("b", 1)
    assert memo.get("z") is None
    memo.put("c", 2)
    assert kept(memo, "abc") == ["b", "c"]


def test_a_lowered_bound_is_kept_from_the_next_store_on() -> None:
    memo: LruMemo[str, int] = LruMemo(4)
    for n, key in enumerate("abcd"):
        memo.put(key, n)
    memo.bound = 2
    memo.put("e", 4)
    assert kept(memo, "abcde") == ["d", "e"]


@pytest.fixture
def switching() -> Iterator[None]:
    """Threads switched every microsecond, so that they interleave inside each call."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


@pytest.mark.usefixtures("switching")
def test_racing_threads_get_their_keys_values_never_raise_and_leave_the_bound() -> None:
    """Eight threads look up, refresh and store overlapping keys of a memo far smaller than
    the keys, so each step races other threads' refreshes and evictions. A refresh after a
    lookup may find its entry evicted in between (a caller sharing a memo between threads
    allows for that; the serving path uses each from its event loop's thread alone)."""
    bound = 16
    memo: LruMemo[int, tuple[int, int]] = LruMemo(bound)
    start = threading.Barrier(THREADS)
    sizes: list[int] = []

    def work(worker: int) -> list[bool]:
        start.wait()
        answers = []
        for call in range(CALLS):
            key = (worker * 7 + call) % 64
            found = memo.get(key)
            answers.append(found is None or found[0] == key)
            if found is None:
                memo.put(key, (key, worker))
            else:
                with suppress(KeyError):
                    memo.move_to_end(key)
            if call % 100 == 0:
                sizes.append(len(memo))
        return answers

    with ThreadPoolExecutor(THREADS) as pool:
        answers = [ok for part in pool.map(work, range(THREADS)) for ok in part]

    assert len(answers) == THREADS * CALLS and all(answers)
    assert len(memo) <= bound
    assert max(sizes) <= bound + THREADS  # past it only by stores not yet evicted for
    # The order is whole: ``bound`` new keys push out every key kept before them.
    for key in range(100, 100 + bound):
        memo.put(key, (key, -1))
    assert [key for key in range(64) if memo.get(key) is not None] == []
    assert [memo.get(key) for key in range(100, 100 + bound)] == [
        (key, -1) for key in range(100, 100 + bound)
    ]


@pytest.mark.usefixtures("switching")
def test_threads_evicting_at_once_from_a_memo_of_one_never_raise() -> None:
    memo: LruMemo[int, int] = LruMemo(1)
    start = threading.Barrier(THREADS)

    def work(worker: int) -> int:
        start.wait()
        for call in range(CALLS):
            memo.put(worker * CALLS + call, call)
            found = memo.get(worker * CALLS + call)
            assert found is None or found == call
        return worker

    with ThreadPoolExecutor(THREADS) as pool:
        assert sorted(pool.map(work, range(THREADS))) == list(range(THREADS))
    assert len(memo) <= 1
