"""Suppliers' slip histories (DOMAIN.md rule 21), read for the ETA rules.

One query whatever the number of suppliers: the store's most recent receipts with a recorded
slip (``RECENT`` of them) give the store-wide prior, and each supplier's share of them its own
history. Recent, because a supplier's habits change and the query must stay small.

Two ways to read them:

* ``slip_histories``: read now, on the caller's connection. Writes use it, inside their
  transaction, so that a receipt just recorded counts at once.
* ``recent_slip_histories``: for reads outside a transaction, or in one that records no
  receipt (placing an order), whose view of the receipts is then the committed one. Every
  product page and every order needs the histories, and reading 5,000 receipts each time cost
  more than the page itself, so the last read is kept per process and reused while the
  receipts' *version* holds. The version is ``MAX(receipt.id)`` (``VERSION``, read by the
  caller in the same statement as its own rows, so it costs no round trip): a receipt
  recorded by any process raises it, and the next read takes the histories again. The
  histories are always read *after* the version was, so what is kept under a version is at
  least as new as it.

  One staleness is left, bounded: on PostgreSQL ids are taken at insert, so a receipt whose
  transaction commits after one with a higher id does not raise the maximum that readers have
  already seen. Such a receipt is missed until the next receipt or until the kept read is
  ``STALE_AFTER`` seconds old, whichever comes first. A window is then at most that many
  seconds behind one receipt, out of 5,000.

  The cache is one entry (the last read: ``RECENT`` rows at most), replaced whole. Readers
  that find it stale at the same moment each read once; none waits on another.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.db import connection, fetch
from domain.promises.slips import SlipHistory

RECENT = 5000
STALE_AFTER = 5.0  # seconds a kept read may be reused under an unchanged version
VERSION = "(SELECT MAX(id) FROM receipt)"  # a column of the caller's statement

_RECENT_SLIPS = (
    "SELECT o.supplier_id, r.slip_days FROM receipt r"
    " JOIN purchase_order o ON o.id = r.purchase_order_id"
    " WHERE r.slip_days IS NOT NULL ORDER BY r.id DESC LIMIT ?"
)


@dataclass(frozen=True)
class _Recent:
    """The store's recent slips, and each supplier's among them, as last read."""

    database: object  # the client it was read through: another database is not this one
    version: int | None
    read_at: float
    store: tuple[int, ...]
    by_supplier: dict[int, SlipHistory]
    nothing: SlipHistory  # a supplier with no slip among them

    def of(self, supplier_ids: Iterable[int]) -> dict[int, SlipHistory]:
        return {sid: self.by_supplier.get(sid, self.nothing) for sid in supplier_ids}


_kept: _Recent | None = None


async def _read(conn: BaseDBAsyncClient, version: int | None) -> _Recent:
    """The recent slips, as kept under ``version`` of the current database (``_database``)."""
    rows = await fetch(conn, _RECENT_SLIPS, [RECENT])
    store = tuple(int(r["slip_days"]) for r in rows)
    own: dict[int, list[int]] = {}
    for row in rows:
        own.setdefault(row["supplier_id"], []).append(int(row["slip_days"]))
    by_supplier = {sid: SlipHistory(tuple(slips), store) for sid, slips in own.items()}
    return _Recent(
        _database(), version, time.monotonic(), store, by_supplier, SlipHistory((), store)
    )


async def slip_histories(
    conn: BaseDBAsyncClient, supplier_ids: Iterable[int]
) -> dict[int, SlipHistory]:
    """Each given supplier's slips and the store's, read now; empty tuples when nothing was
    received."""
    wanted = set(supplier_ids)
    if not wanted:
        return {}
    return (await _read(conn, None)).of(wanted)


async def recent_slip_histories(
    conn: BaseDBAsyncClient, supplier_ids: Iterable[int], version: int | None
) -> dict[int, SlipHistory]:
    """``slip_histories`` for reads outside a transaction (or in one that records no receipt),
    given the receipts' ``version`` (``VERSION``) read before: the kept read while it holds,
    else a new one, kept."""
    global _kept
    wanted = set(supplier_ids)
    if not wanted:
        return {}
    kept = _kept
    if (
        kept is None
        or kept.database is not _database()
        or kept.version != version
        or time.monotonic() - kept.read_at >= STALE_AFTER
    ):
        kept = await _read(conn, version)
        _kept = kept
    return kept.of(wanted)


def _database() -> object:
    """The client of the current database, also inside a transaction (whose wrapper holds it
    as ``_parent``): a process opened on another database, as a simulation does, never
    takes another's histories."""
    client = connection()
    return getattr(client, "_parent", client)


def forget_recent_slips() -> None:
    """Drop the kept read: for a database whose receipts were removed or replaced (ids
    reused), which no version can tell; tests that empty their tables call it."""
    global _kept
    _kept = None
