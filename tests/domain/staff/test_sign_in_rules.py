"""Signing in under hostile load: the lockout holds in parallel; every refusal costs the same."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import statistics
import time

import pytest
from argon2 import PasswordHasher

from domain.errors import DomainError, PermissionDenied, Unavailable
from domain.staff.models import StaffUser
from domain.staff.passwords import PasswordPool
from domain.staff.services import LOCKOUT, MAX_FAILED_LOGINS, add_staff, sign_in
from tests import builders as b

pytestmark = pytest.mark.usefixtures("db")
PASSWORD = "correct horse battery staple"
# Cheap parameters so that fifty checks run in parallel in a moment; the hash carries them.
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
WIDE = PasswordPool(threads=2, max_waiting=200)


async def cheap_staff(email: str) -> StaffUser:
    return await StaffUser.create(email=email, name="Ada", password_hash=CHEAP.hash(PASSWORD))


async def attempts(email: str, password: str, count: int) -> list[BaseException | None]:
    async def one() -> BaseException | None:
        try:
            await sign_in(email, password, ctx=b.ctx(), pool=WIDE)
        except DomainError as error:
            return error
        return None

    return await asyncio.gather(*(one() for _ in range(count)))


async def test_fifty_parallel_wrong_passwords_lock_the_account_after_exactly_five(
    caplog: pytest.LogCaptureFixture,
) -> None:
    few = await cheap_staff("few@example.com")
    refused = await attempts("few@example.com", "guess guess guess", MAX_FAILED_LOGINS - 1)
    assert all(isinstance(error, PermissionDenied) for error in refused)
    few = await StaffUser.get(id=few.id)
    assert (few.failed_logins, few.locked_until) == (MAX_FAILED_LOGINS - 1, None)

    many = await cheap_staff("many@example.com")
    with caplog.at_level(logging.WARNING, logger="preorder.staff"):
        refused = await attempts("many@example.com", "guess guess guess", 50)
    assert all(isinstance(error, PermissionDenied) for error in refused)
    locks = [r for r in caplog.records if "locked" in r.getMessage()]
    assert len(locks) == 1 and f"after {MAX_FAILED_LOGINS} failed" in locks[0].getMessage()
    many = await StaffUser.get(id=many.id)
    assert many.locked_until == b.NOON + LOCKOUT
    with pytest.raises(PermissionDenied):
        await sign_in("many@example.com", PASSWORD, ctx=b.later(b.ctx(), seconds=60), pool=WIDE)
    after = b.ctx(now=b.NOON + LOCKOUT + dt.timedelta(seconds=1))
    assert (await sign_in("many@example.com", PASSWORD, ctx=after, pool=WIDE)).id == many.id


class HeldPool(PasswordPool):
    """Holds a right password's answer until told, as a slow check would."""

    def __init__(self) -> None:
        super().__init__(threads=1, max_waiting=10)
        self.checked = asyncio.Event()
        self.release = asyncio.Event()

    async def verify(self, password_hash: str, password: str) -> bool:
        right = await super().verify(password_hash, password)
        self.checked.set()
        await self.release.wait()
        return right


async def test_a_right_password_checked_while_guesses_lock_the_account_does_not_sign_in() -> None:
    await cheap_staff("ada@example.com")
    held = HeldPool()
    right = asyncio.create_task(sign_in("ada@example.com", PASSWORD, ctx=b.ctx(), pool=held))
    await held.checked.wait()  # the right password has been read as unlocked and checked
    await attempts("ada@example.com", "guess guess guess", MAX_FAILED_LOGINS)
    held.release.set()
    with pytest.raises(PermissionDenied):
        await right


async def median_refusal(email: str, password: str, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        with pytest.raises(PermissionDenied):
            await sign_in(email, password, ctx=b.ctx())
        times.append(time.perf_counter() - start)
    return statistics.median(times)


async def test_unknown_locked_and_wrong_password_refusals_take_about_the_same_time() -> None:
    await add_staff("wrong@example.com", "Wrong", PASSWORD)
    locked = await add_staff("locked@example.com", "Locked", PASSWORD)
    await StaffUser.filter(id=locked.id).update(locked_until=b.NOON + LOCKOUT)
    medians: dict[str, list[float]] = {"unknown": [], "locked": [], "wrong": []}
    for _ in range(3):  # interleaved, so that load from elsewhere falls on all three alike
        medians["unknown"].append(await median_refusal("nobody@example.com", "x" * 20, 1))
        medians["locked"].append(await median_refusal("locked@example.com", PASSWORD, 1))
        medians["wrong"].append(await median_refusal("wrong@example.com", "guess guess", 1))
    figures = {kind: statistics.median(times) for kind, times in medians.items()}
    print({kind: f"{seconds * 1000:.0f} ms" for kind, seconds in figures.items()})
    assert max(figures.values()) < 2.5 * min(figures.values()), figures


async def test_a_full_password_queue_refuses_at_once_instead_of_piling_up() -> None:
    await add_staff("ada@example.com", "Ada", PASSWORD)
    small = PasswordPool(threads=1, max_waiting=1)

    async def timed() -> tuple[str, float]:
        start = time.perf_counter()
        try:
            await sign_in("ada@example.com", "guess guess", ctx=b.ctx(), pool=small)
        except Unavailable:
            return "busy", time.perf_counter() - start
        except PermissionDenied:
            return "refused", time.perf_counter() - start
        return "signed in", time.perf_counter() - start

    outcomes = await asyncio.gather(*(timed() for _ in range(6)))
    assert sorted(kind for kind, _ in outcomes) == ["busy"] * 4 + ["refused"] * 2
    busy = [seconds for kind, seconds in outcomes if kind == "busy"]
    checked = [seconds for kind, seconds in outcomes if kind == "refused"]
    assert max(busy) < min(checked), outcomes  # answered before any check had ended
