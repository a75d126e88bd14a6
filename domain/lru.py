"""A bounded memo that forgets its least recently used entry first.

The serving path keeps many small memos (views by rows, products by view, answers by
document): each found with ``get``, checked by its caller (usually by identity), refreshed
with ``move_to_end`` when it holds, and kept with ``put``, which forgets the oldest past the
bound. An ``OrderedDict`` itself, so that the hit path (``get``, ``move_to_end``) is the
dictionary's own C methods, with no Python call added to every hit: only ``put`` is Python.

No lock: each step is one operation on the dictionary, atomic under the GIL, so racing
threads may lose a refresh or keep a moment more than the bound, never corrupt the order,
and leave no more than the bound once they are done. ``put`` skips an entry another thread
dropped between its steps.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LruMemo(OrderedDict[K, V], Generic[K, V]):
    """At most ``bound`` entries once ``put`` returns, the least recently used out first."""

    __slots__ = ("bound",)

    def __init__(self, bound: int) -> None:
        super().__init__()
        self.bound = bound

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` for ``key`` as the most recently used; forget the oldest past the
        bound."""
        self[key] = value
        try:
            self.move_to_end(key)
        except KeyError:  # evicted by another thread since the store
            pass
        while len(self) > self.bound:
            try:
                self.popitem(last=False)
            except KeyError:  # emptied by other threads evicting at the same time
                break
