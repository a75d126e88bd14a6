"""The webhook sender: claim due deliveries, POST each signed body, record the outcome.

Runs outside any transaction, beside the mail sender (``preorder worker``, and inside
``preorder serve`` unless MAIL_SENDER=worker). Each delivery is its own task, so a receiver
that hangs holds only its own subscription's slots (``per_target``) until the timeout; the
others keep flowing. Outcomes are written in groups by one recorder task.

Per attempt: the target's host is resolved and checked (``targets.py``), the request goes to
the checked address with the original Host (and SNI for https), redirects are not followed,
the response is read up to a small limit and never stored raw. 2xx is delivered; 410 Gone
turns the subscription off; anything else (3xx, 4xx, 5xx, timeout, connection error) is
retried with backoff and jitter until the row is older than ``give_up_after`` (dead letter).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from domain.db import connection, execute
from domain.outbox.retry import backoff_seconds
from domain.webhooks.claim import Claimed, Outcome, claim, record
from domain.webhooks.config import WebhookConfig
from domain.webhooks.events import body as event_body
from domain.webhooks.signing import headers
from domain.webhooks.targets import TargetRefused, resolve

log = logging.getLogger("preorder.webhooks")
# Rows claimed per subscription beyond its slots wait in hand for a slot (then the limit of
# one claim is per_target * QUEUED_PER_SLOT); a hanging target holds that many at most.
QUEUED_PER_SLOT = 16
GROUP_COMMIT = 0.01  # seconds: outcomes finishing this close together are written at once
CLAIM_EVERY = 0.02  # seconds: while deliveries are in flight, new rows are claimed this often


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Stats:
    sent: int = 0
    retried: int = 0
    dead: int = 0


@dataclass(frozen=True)
class Attempt:
    """What one POST came to."""

    ok: bool
    code: int | None
    latency_ms: int
    error: str = ""
    gone: bool = False


@dataclass
class Poster:
    """POSTs to targets: one httpx client per subscription (its own pool, as many connections
    as its slots), no redirects, no proxies from the environment, bodies read to a limit."""

    config: WebhookConfig
    _clients: dict[int, httpx.AsyncClient] = field(default_factory=dict)

    def _client(self, key: int) -> httpx.AsyncClient:
        if key not in self._clients:
            self._clients[key] = httpx.AsyncClient(
                timeout=httpx.Timeout(self.config.timeout),
                follow_redirects=False,
                trust_env=False,
                limits=httpx.Limits(max_connections=max(1, self.config.per_target)),
            )
        return self._clients[key]

    async def post(
        self, subscription_id: int, url: str, secret: str, webhook_id: str, body: bytes
    ) -> Attempt:
        started = time.perf_counter()

        def took() -> int:
            return int((time.perf_counter() - started) * 1000)

        try:
            target = httpx.URL(url)
            host = target.host
            port = target.port or (443 if target.scheme == "https" else 80)
            address = await resolve(host, port, loopback=self.config.loopback_allowed)
            pinned = target.copy_with(host=address)
            extensions = {"sni_hostname": host} if target.scheme == "https" else {}
            sent_headers = headers(secret, webhook_id, int(time.time()), body)
            sent_headers["host"] = target.netloc.decode("ascii")
            sent_headers["user-agent"] = "preorder-webhooks/1"
            client = self._client(subscription_id)
            async with asyncio.timeout(self.config.timeout):
                request = client.build_request(
                    "POST", pinned, content=body, headers=sent_headers, extensions=extensions
                )
                response = await client.send(request, stream=True)
                try:
                    read = 0
                    async for chunk in response.aiter_bytes():
                        read += len(chunk)
                        if read >= self.config.max_response_bytes:
                            break
                finally:
                    await response.aclose()
        except TargetRefused as refused:
            return Attempt(False, None, took(), f"refused: {refused}")
        except (TimeoutError, httpx.TimeoutException):
            return Attempt(False, None, took(), f"timed out after {self.config.timeout:g} s")
        except (httpx.HTTPError, OSError) as error:
            return Attempt(False, None, took(), f"cannot connect: {type(error).__name__}")
        code = response.status_code
        if 200 <= code < 300:
            return Attempt(True, code, took())
        return Attempt(False, code, took(), f"HTTP {code}", gone=code == 410)

    async def close(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()


@dataclass
class WebhookSender:
    config: WebhookConfig
    clock: Callable[[], dt.datetime] = utcnow
    jitter: Callable[[], float] = random.random
    stats: Stats = field(default_factory=Stats)

    def __post_init__(self) -> None:
        self.poster = Poster(self.config)
        self._busy: dict[int, int] = {}
        self._slots: dict[int, asyncio.Semaphore] = {}
        self._done: list[Outcome] = []
        self._wake = asyncio.Event()

    async def run(self, stop: asyncio.Event | None = None, *, until_idle: bool = False) -> Stats:
        """Send until ``stop`` is set (or, with ``until_idle``, until nothing is due)."""
        stop = stop or asyncio.Event()
        tasks: set[asyncio.Task[None]] = set()
        last_claim = -CLAIM_EVERY
        try:
            while not stop.is_set():
                await self._flush()
                free = self.config.batch_size - len(tasks)
                # Refill in bulk, when half the hands are free, and while deliveries are in
                # flight at most every CLAIM_EVERY: fewer, larger claims.
                due = not tasks or time.monotonic() - last_claim >= CLAIM_EVERY
                if free >= max(1, self.config.batch_size // 2) and due:
                    last_claim = time.monotonic()
                    for row in await self._claim(free):
                        self._busy[row.subscription_id] = self._busy.get(row.subscription_id, 0) + 1
                        task = asyncio.create_task(self._deliver(row))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
                if not tasks and not self._done:
                    if until_idle:
                        break
                    await _sleep(stop, self.config.poll_interval)
                    continue
                # Wait for a delivery to finish; let a few more finish, so that their
                # outcomes are written together.
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), CLAIM_EVERY)
                await asyncio.sleep(GROUP_COMMIT)
        finally:
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
            await self._flush()
            await self.poster.close()
        return self.stats

    @property
    def quota(self) -> int:
        """Rows one subscription may have in hand: its slots, and a queue behind them, but at
        most a quarter of the sender's hands (a hanging target holds no more)."""
        per_target = self.config.per_target
        return max(per_target, min(per_target * QUEUED_PER_SLOT, self.config.batch_size // 4))

    async def _claim(self, free: int) -> list[Claimed]:
        try:
            return await claim(
                connection(),
                now=self.clock(),
                lease=self.config.lease,
                limit=free,
                per_target=self.quota,
                busy=self._busy,
            )
        except Exception:  # noqa: BLE001 - the database may be briefly away
            log.exception("claiming webhook deliveries failed")
            return []

    async def _deliver(self, row: Claimed) -> None:
        slot = self._slots.setdefault(
            row.subscription_id, asyncio.Semaphore(self.config.per_target)
        )
        try:
            async with slot:
                margin = dt.timedelta(seconds=self.config.timeout + 1)
                if self.clock() >= row.lease_until - margin:
                    # Waited in hand too long for a slot: the lease could run out mid-request
                    # and another sender take the row. Give it back unsent, due in a second.
                    due = self.clock() + dt.timedelta(seconds=1)
                    self._done.append(Outcome(row, "pending", None, None, "", next_attempt_at=due))
                    return
                body = event_body(row.event, row.payload, row.created_at)
                attempt = await self.poster.post(
                    row.subscription_id, row.url, row.secret, row.webhook_id, body
                )
            self._done.append(self._outcome(row, attempt))
        except Exception as error:  # noqa: BLE001 - one bad row must not stop the sender
            log.exception("delivering webhook %s failed", row.id)
            self._done.append(self._outcome(row, Attempt(False, None, 0, repr(error)[:200])))
        finally:
            self._busy[row.subscription_id] -= 1
            self._wake.set()

    def _outcome(self, row: Claimed, attempt: Attempt) -> Outcome:
        now = self.clock()
        if attempt.ok:
            self.stats.sent += 1
            return Outcome(row, "sent", attempt.code, attempt.latency_ms, at=now)
        age = (now - row.age_from).total_seconds()
        if attempt.gone or age >= self.config.give_up_after:
            self.stats.dead += 1
            why = "the receiver answered 410 Gone" if attempt.gone else "gave up"
            return Outcome(
                row, "dead", attempt.code, attempt.latency_ms, f"{why}: {attempt.error}", at=now
            )
        self.stats.retried += 1
        delay = backoff_seconds(
            row.attempts, self.config.backoff_base, self.config.backoff_max, self.jitter()
        )
        return Outcome(
            row,
            "pending",
            attempt.code,
            attempt.latency_ms,
            attempt.error,
            next_attempt_at=now + dt.timedelta(seconds=delay),
            at=now,
        )

    async def _flush(self) -> None:
        if not self._done:
            return
        done, self._done = self._done, []
        try:
            await record(connection(), done)
            gone = {o.row.subscription_id for o in done if o.status == "dead" and o.code == 410}
            for subscription in gone:
                await execute(
                    connection(),
                    "UPDATE webhook_subscription SET active = ? WHERE id = ?",
                    [False, subscription],
                )
        except Exception:  # noqa: BLE001 - leases run out; the rows are sent again
            log.exception("recording %d webhook outcomes failed", len(done))


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=max(seconds, 0))
