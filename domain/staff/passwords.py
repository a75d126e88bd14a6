"""argon2id off the event loop: a few threads, and a bounded queue in front of them.

One argon2id check costs a quarter to half a second of CPU here. Run on the event loop, twenty
sign-ins at once held every other request (a health check waited 3.3 s). The hashing library
releases the GIL, so threads run it beside the loop, at a lower priority than the loop's own
thread so that a burst of checks slows the checks and not the other requests (with them at the
same priority, /healthz still met spikes of half a second). The queue is bounded: when as many
checks wait as the threads can finish in a couple of seconds, another is refused at once
(``Unavailable``, answered 503 with Retry-After) rather than waiting behind them.

Every refusal of a sign-in spends one verification, also for an unknown or locked account
(``verify_nothing``), so the time of an answer does not tell who is staff.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from domain.errors import Unavailable

T = TypeVar("T")
THREADS = 2
NICENESS = 10
MAX_WAITING = 8  # beyond the running ones; about two seconds of work on this machine

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


class PasswordPool:
    """Hashes and verifies passwords in ``threads`` threads; refuses when ``max_waiting`` wait."""

    def __init__(self, threads: int = THREADS, max_waiting: int = MAX_WAITING) -> None:
        self.threads = threads
        self.capacity = threads + max_waiting
        self.in_flight = 0
        self._executor: ThreadPoolExecutor | None = None

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                self.threads, thread_name_prefix="argon2", initializer=_lower_priority
            )
        return self._executor

    async def _run(self, work: Callable[[], T]) -> T:
        if self.in_flight >= self.capacity:
            raise Unavailable("Too many sign-ins at once; please try again in a moment.")
        self.in_flight += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool(), work)
        finally:
            self.in_flight -= 1

    async def hash(self, password: str) -> str:
        return await self._run(functools.partial(_hasher.hash, password))

    async def verify(self, password_hash: str, password: str) -> bool:
        return await self._run(functools.partial(_verify, password_hash, password))

    async def verify_nothing(self, password: str) -> None:
        """The cost of a real check, for a refusal that needs none (unknown or locked)."""
        await self._run(functools.partial(_verify_nothing, password))


def _lower_priority() -> None:
    """Below the event loop's thread: a burst of checks slows the checks, not every request.

    On Linux the nice value is per thread (and inherited by argon2's own lane threads)."""
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _verify_nothing(password: str) -> bool:
    return _verify(_dummy_hash(), password)


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("no account has this password")


passwords = PasswordPool()
