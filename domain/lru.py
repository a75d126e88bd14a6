"""A bounded memo that forgets its least recently used entry first.

The serving path keeps many small memos (views by rows, products by view, answers by
document): each a lookup that refreshes what it finds, and a store that forgets the oldest
past a bound. The caller checks what it found (usually by identity) before using it.

No lock: each step is one operation on an ``OrderedDict``, atomic under the GIL, so racing
threads may lose a refresh or keep a moment more than the bound, never corrupt the order,
never raise, and leave no more than the bound once they are done. An entry another thread
dropped between a lookup and its refresh, or between a count and its eviction, is skipped.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LruMemo(Generic[K, V]):
    """At most ``bound`` entries; ``get`` refreshes, ``put`` evicts the least recently used.

    Values are never None: ``get`` answers None for a key not kept."""

    __slots__ = ("bound", "_entries")

    def __init__(self, bound: int) -> None:
        self.bound = bound
        self._entries: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        """The value kept for ``key``, now the most recently used; None if none is kept."""
        entries = self._entries
        value = entries.get(key)
        if value is not None:
            try:
                entries.move_to_end(key)
            except KeyError:  # evicted by another thread since the lookup
                pass
        return value

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` for ``key`` as the most recently used; forget the oldest past the
        bound."""
        entries = self._entries
        entries[key] = value
        try:
            entries.move_to_end(key)
        except KeyError:  # evicted by another thread since the store
            pass
        while len(entries) > self.bound:
            try:
                entries.popitem(last=False)
            except KeyError:  # emptied by other threads evicting at the same time
                break

    def __len__(self) -> int:
        return len(self._entries)
