"""Writing messages, in a process of its own: rendering both parts and composing the MIME bytes.

Rendering is pure CPU (about a tenth of a millisecond a message), and the sender's event loop
must answer the SMTP server's replies the moment they arrive. So the sender hands each batch's
views to one rendering process, at a lower priority, and sends the previous batch meanwhile; the
bytes come back ready for the wire. The process starts with the first batch, serves every
sender of this process, and ends with it. Should it die or fail to start, the batch in hand is
written in the sending process, and the next batch tries a new one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import cache
from typing import TypeVar

from domain.notifications.message import Envelope, HeaderRefused, compose, message_id_header
from domain.notifications.render import Renderer, RenderFailed
from domain.notifications.views import View
from domain.outbox.retry import Failure, Scope

log = logging.getLogger("preorder.mail")
T = TypeVar("T")


@dataclass(frozen=True)
class Letterhead:
    """What every message of one sender shares."""

    store: str
    currency: str
    from_address: str
    message_id_domain: str


@dataclass(frozen=True)
class Draft:
    """One message to write: what it says and to whom."""

    view: View
    recipient: str
    message_id: str  # the outbox row's random hex, the same on every retry
    created_at: dt.datetime
    request_id: str | None = None  # the request that caused it, as an X-Request-Id header


@cache
def _renderer(store: str, currency: str) -> Renderer:
    """Templates compile once per process and letterhead."""
    return Renderer(store=store, currency=currency)


def write(letterhead: Letterhead, drafts: list[Draft]) -> list[Envelope | Failure]:
    """Each draft's message, or why it cannot be written (a permanent failure)."""
    renderer = _renderer(letterhead.store, letterhead.currency)
    return [_write_one(renderer, letterhead, draft) for draft in drafts]


def _write_one(renderer: Renderer, letterhead: Letterhead, draft: Draft) -> Envelope | Failure:
    try:
        rendered = renderer.render(draft.view)
        return compose(
            from_name=letterhead.store,
            from_address=letterhead.from_address,
            recipient=draft.recipient,
            subject=rendered.subject,
            message_id=message_id_header(draft.message_id, letterhead.message_id_domain),
            date=draft.created_at,
            text=rendered.text,
            html=rendered.html,
            request_id=draft.request_id,
            attachments=rendered.attachments,
        )
    except (RenderFailed, HeaderRefused) as error:
        return Failure(Scope.CONTENT, str(error))
    except Exception as error:  # noqa: BLE001 - a bug in one message must not stop the rest
        log.exception("writing a %s message failed", type(draft.view).__name__)
        return Failure(Scope.CONTENT, f"cannot render: {error!r}")


class WritingProcessFailed(Exception):
    """The rendering process died; the batch it held was not written."""


_process: ProcessPoolExecutor | None = None


def _in_the_background() -> None:
    """The rendering process yields the CPU to sending, leaves Ctrl-C to its parent, and ends
    with it however the parent ends (a clean exit, a signal, SIGKILL)."""
    os.nice(10)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_end_with_parent, name="end-with-parent", daemon=True).start()


def _end_with_parent() -> None:
    parent = multiprocessing.parent_process()
    if parent is not None:
        parent.join()  # returns once the parent is gone
    os._exit(0)


def _writer() -> ProcessPoolExecutor:
    global _process
    if _process is None:
        # spawn: a fresh interpreter, never a fork of a process holding database connections
        _process = ProcessPoolExecutor(
            1, mp_context=multiprocessing.get_context("spawn"), initializer=_in_the_background
        )
    return _process


async def write_elsewhere(letterhead: Letterhead, drafts: list[Draft]) -> list[Envelope | Failure]:
    """:func:`write` in the rendering process, while this event loop goes on sending.

    When the rendering process cannot write the batch (it died, or cannot be started), the
    batch is written here instead: slower, but no message fails for a reason not its own.
    """
    if not drafts:
        return []
    try:
        return await _in_process(write, letterhead, drafts)
    except Exception:  # noqa: BLE001 - the next batch tries a new process
        log.exception("the rendering process could not write %d messages", len(drafts))
    return write(letterhead, drafts)


async def process_id() -> int:
    """The rendering process's id, starting it if needed."""
    return await _in_process(os.getpid)


async def _in_process(function: Callable[..., T], *arguments: object) -> T:
    global _process
    executor = _writer()
    try:
        return await asyncio.get_running_loop().run_in_executor(executor, function, *arguments)
    except BrokenProcessPool as error:
        if _process is executor:  # another sender may have started a new one already
            _process = None
        raise WritingProcessFailed(str(error)) from error
