"""The one read of products (``ProductView``), for the portal and the API alike.

One statement for any page size: the products joined with their supplier's lead time and with
their open PO lines, and the version of the receipts behind their suppliers' slip histories
(rule 21), which are read again only when a receipt came (``recent_slip_histories``). Rows are
read as plain values (no ORM objects), since a storefront lists products on every page view.

Each read is split into its rows (a ``Snapshot``) and the pure step that builds views from them,
so that a caller can tell cheaply whether a page it built before still holds: equal snapshots
build equal pages (on the same day).
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.catalog.availability import ProductView
from domain.db import connection, fetch, is_postgres, numbered
from domain.lru import LruMemo
from domain.promises.eta import ProductTerms, SupplyLine
from domain.promises.remaining import remaining_sql
from domain.promises.slip_histories import VERSION, recent_slip_histories, slip_histories
from domain.promises.slips import SlipHistory
from domain.rows import CHUNK, as_date, as_decimal, chunks, day, marks
from domain.validation import searchable, sku_shaped
from domain.vocabulary import AvailabilityMode, ShippedBy

MAX_PAGE = 100

# The price as its text (``as_decimal`` makes it exact): the driver's decoding of a numeric
# was a tenth of the client's time for a page, and a page is read and compared on every request.
_COLUMNS = (
    "SELECT p.id, p.sku, p.name, p.description, CAST(p.price AS TEXT) AS price, p.mode,"
    " p.release_date,"
    " COALESCE(p.lead_time_days, s.lead_time_days) AS lead, p.on_hand, p.waiting_units,"
    " p.backorder_cap, p.supplier_id, p.dropship, p.dropship_optional"
    " FROM product p LEFT JOIN supplier s ON s.id = p.supplier_id"
)


@dataclass(frozen=True)
class ProductFilter:
    text: str = ""
    modes: tuple[AvailabilityMode, ...] = ()


@dataclass(frozen=True)
class Snapshot:
    """The raw rows behind a read: products, then the open PO lines of those products."""

    products: tuple[tuple[Any, ...], ...]
    supply: tuple[tuple[Any, ...], ...]
    slips: tuple[tuple[int, SlipHistory], ...] = ()


@dataclass(frozen=True)
class ProductPage:
    items: list[ProductView]
    has_next: bool
    snapshot: Snapshot


def _where(filter_: ProductFilter) -> tuple[str, list[object]]:
    clauses: list[str] = ["p.active = ?"]
    values: list[object] = [True]
    if filter_.modes:
        clauses.append(f"p.mode IN ({marks(filter_.modes)})")
        values.extend(mode.value for mode in filter_.modes)
    needle = searchable(filter_.text).strip()[:100].lower()
    if needle:
        pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        clauses.append(
            "(LOWER(p.sku) LIKE ? ESCAPE '\\' OR LOWER(p.name) LIKE ? ESCAPE '\\'"
            " OR LOWER(p.description) LIKE ? ESCAPE '\\')"
        )
        values.extend([pattern, pattern, pattern])
    return " AND ".join(clauses), values


def page_condition(filter_: ProductFilter, after_id: int, first: int) -> tuple[str, list[object]]:
    """The condition of a page and its values: ``first`` (at most ``MAX_PAGE``) plus one row,
    to tell if more follow.

    The limit is written into the statement, a number from 1 to ``MAX_PAGE + 1``. As a
    parameter, PostgreSQL could not cost one plan for every limit and planned the statement
    afresh on each read: half of the database's time for a page of 20."""
    first = max(0, min(first, MAX_PAGE))
    where, values = _where(filter_)
    return f"{where} AND p.id > ? ORDER BY p.id LIMIT {first + 1:d}", [*values, after_id]


async def page_snapshot(filter_: ProductFilter, *, after_id: int = 0, first: int = 20) -> Snapshot:
    """The rows of a page (``page_condition``)."""
    return await _snapshot(*page_condition(filter_, after_id, first))


async def product_page(
    filter_: ProductFilter, *, after_id: int = 0, first: int = 20
) -> ProductPage:
    """Active products in id order after ``after_id``; ``first`` is capped at ``MAX_PAGE``."""
    snapshot = await page_snapshot(filter_, after_id=after_id, first=first)
    size = max(0, min(first, MAX_PAGE))
    key = id(snapshot)
    kept = _product_pages.get(key)
    if kept is not None and kept[0] is snapshot and kept[1] == size:
        _product_pages.move_to_end(key)
        return kept[2]
    page = ProductPage(_views(snapshot)[:size], len(snapshot.products) > size, snapshot)
    _product_pages.put(key, (snapshot, size, page))
    return page


# The page made of each snapshot handed out again (``_pages``), by the snapshot's identity:
# the same items, so that a caller may keep what it builds from them (the API's edges).
_PAGES_SIZE = 64  # pages kept, here and in ``_pages``
_product_pages: LruMemo[int, tuple[Snapshot, int, ProductPage]] = LruMemo(_PAGES_SIZE)


async def count_products(filter_: ProductFilter) -> int:
    where, values = _where(filter_)
    rows = await fetch(connection(), f"SELECT COUNT(*) AS n FROM product p WHERE {where}", values)
    return int(rows[0]["n"])


async def sku_snapshot(skus: Sequence[str], *, active_only: bool = True) -> Snapshot:
    """The rows of the products with these SKUs (at most ``CHUNK``, as a look-up asks)."""
    wanted = sorted({sku for sku in skus if sku_shaped(sku)})[:CHUNK]
    if not wanted:
        return Snapshot((), ())
    active = " AND p.active = ?" if active_only else ""
    values: list[object] = [*wanted, True] if active_only else list(wanted)
    return await _snapshot(f"p.sku IN ({marks(wanted)}){active} ORDER BY p.id", values)


async def products_by_sku(
    skus: Sequence[str], *, active_only: bool = True
) -> dict[str, ProductView]:
    """Products by SKU, for batched look-ups (order lines, ``product(sku:)``)."""
    found: dict[str, ProductView] = {}
    for part in chunks(sorted(set(skus))):
        for view in _views(await sku_snapshot(part, active_only=active_only)):
            found[view.sku] = view
    return found


def _learned(history: SlipHistory | None) -> SlipHistory | None:
    """A lead time is widened by its supplier's slips once the store has received anything."""
    return history if history is not None and history.store else None


async def product_by_sku(sku: str) -> ProductView | None:
    """One product on sale (the product page, the configurator); None for an unknown SKU."""
    return (await products_by_sku([sku])).get(sku)


def views_of(snapshot: Snapshot) -> list[ProductView]:
    return _views(snapshot)


# The products a condition selects (a CTE), each joined with its open PO lines (none: one row
# of NULLs), and the receipts' version for the slip histories: one statement, one round trip.
_LINE_COLUMNS = (
    f"l.id AS line_id, o.expected_date, {remaining_sql('l')} AS remaining,"
    " o.supplier_id AS po_supplier_id"
)
_OPEN_LINES = (
    "purchase_order_line l JOIN purchase_order o"
    " ON o.id = l.purchase_order_id AND o.status = 'open' AND NOT o.dropship"
)
_OPEN = f"{remaining_sql('l')} > 0"
_PAGE = (
    "WITH page AS ({products} WHERE {where})"
    f" SELECT page.*, {_LINE_COLUMNS}, {VERSION} AS slips_version"
    f" FROM page LEFT JOIN ({_OPEN_LINES}) ON l.product_id = page.id AND {_OPEN}"
    " ORDER BY page.id, l.id"
)
# The same rows on PostgreSQL, each product's open lines found through the index on
# ``purchase_order_line.product_id``. Joined as above, the planner hashes every PO line of the
# store for a page of 20 products (1.0-1.3 ms over 2,000 lines, growing with the store); the
# LATERAL subquery asks per product (0.3 ms), and ``OFFSET 0`` keeps the planner from folding
# it back into that join. ``tests/domain/catalog/test_page_statement.py`` holds both equal.
_PAGE_PG = (
    "WITH page AS ({products} WHERE {where})"
    " SELECT page.*, open_line.*, " + VERSION + " AS slips_version"
    f" FROM page LEFT JOIN LATERAL (SELECT {_LINE_COLUMNS} FROM {_OPEN_LINES}"
    f" WHERE l.product_id = page.id AND {_OPEN} OFFSET 0) open_line ON TRUE"
    " ORDER BY page.id, open_line.line_id"
)


@functools.lru_cache(maxsize=64)
def page_statement(postgres: bool, where: str) -> str:
    """The catalogue read for a condition (``where`` ends with its order and limit), numbered
    for PostgreSQL: a storefront asks the same few conditions over and over."""
    if postgres:
        return numbered(_PAGE_PG.format(products=_COLUMNS, where=where))
    return _PAGE.format(products=_COLUMNS, where=where)


_PRODUCT_FIELDS = 14  # the columns of _COLUMNS, first in each row


async def products_in(conn: BaseDBAsyncClient, product_ids: Sequence[int]) -> list[ProductView]:
    """Products by id, active or not, as the caller's transaction sees them (a change about to
    commit), with their suppliers' slip histories read afresh in it."""
    views: list[ProductView] = []
    for part in chunks(sorted(set(product_ids))):
        where = f"p.id IN ({marks(part)}) ORDER BY p.id"
        views += _views(await _snapshot(where, list(part), conn=conn))
    return views


async def _snapshot(
    where: str, values: list[object], *, conn: BaseDBAsyncClient | None = None
) -> Snapshot:
    """Products (``where`` ends with its order and limit), their open supply and the slip
    histories of their suppliers: one statement, plus a read of the histories when a receipt
    came since they were last read (``recent_slip_histories``). Inside a transaction
    (``conn``), the histories are read in it, exactly. Outside one, equal rows with the same
    histories give the snapshot handed out before (``_pages``)."""
    exact = conn is not None
    conn = conn or connection()
    statement = page_statement(is_postgres(conn), where)
    rows = (await conn.execute_query(statement, values))[1]
    if exact:
        return await _built_snapshot(conn, rows, exact=True)
    key = (statement, tuple(values))
    kept = _pages.get(key)
    if kept is not None and kept[0] == rows:
        snapshot = kept[1]
        if await _histories_hold(conn, snapshot, _fields(rows[-1])[-1] if rows else None):
            if _pages.get(key) is kept:
                _pages.move_to_end(key)
            return snapshot
    snapshot = await _built_snapshot(conn, rows, exact=False)
    _pages[key] = (rows, snapshot)
    _pages.move_to_end(key)
    while len(_pages) > _PAGES_SIZE:
        _pages.popitem(last=False)
    return snapshot


# The last snapshot of each statement read outside a transaction, with the rows it was built
# from, by statement and values: a storefront reads the same few pages over and over, and
# equal rows with the same slip histories (the same objects: ``recent_slip_histories`` hands
# them out while no receipt came) make an equal snapshot. Handing out the same one lets
# ``_views`` answer with the views it built from it, without comparing them product by product.
_pages: OrderedDict[tuple[str, tuple[object, ...]], tuple[Sequence[Any], Snapshot]] = OrderedDict()


def _fields(row: Any) -> tuple[Any, ...]:
    return tuple(row.values()) if isinstance(row, dict) else tuple(row)


async def _histories_hold(conn: BaseDBAsyncClient, snapshot: Snapshot, version: object) -> bool:
    """Whether the slip histories of ``snapshot``'s suppliers are still the ones it holds."""
    if not snapshot.slips:
        return True
    suppliers = [sid for sid, _ in snapshot.slips]
    histories = await recent_slip_histories(conn, suppliers, version)  # type: ignore[arg-type]
    return len(histories) == len(snapshot.slips) and all(
        histories.get(sid) is history for sid, history in snapshot.slips
    )


async def _built_snapshot(conn: BaseDBAsyncClient, rows: Sequence[Any], *, exact: bool) -> Snapshot:
    products: list[tuple[Any, ...]] = []
    supply: list[tuple[Any, ...]] = []
    last = None
    version = None
    for row in rows:
        fields = _fields(row)
        product = fields[:_PRODUCT_FIELDS]
        if product[0] != last:
            products.append(product)
            last = product[0]
        line_id, expected, remaining, supplier_id, version = fields[_PRODUCT_FIELDS:]
        if line_id is not None:
            supply.append((product[0], line_id, expected, remaining, supplier_id))
    if not products:
        return Snapshot((), ())
    suppliers = {row[11] for row in products if row[11]} | {row[4] for row in supply if row[4]}
    if exact:
        histories = await slip_histories(conn, suppliers)
    else:
        histories = await recent_slip_histories(conn, suppliers, version)
    return Snapshot(tuple(products), tuple(supply), tuple(sorted(histories.items())))


def shipped_by(dropship: bool, optional: bool, supplier_id: int | None) -> ShippedBy:
    """Rule 25 as the catalogue shows it: a product whose supplier was removed ships from the
    shop."""
    if not dropship or supplier_id is None:  # no maker to ship it: the shop does
        return ShippedBy.SHOP
    return ShippedBy.EITHER if optional else ShippedBy.MAKER


# Views built before, by product id, each with the rows and slip histories it was built from
# (the histories kept by identity: ``recent_slip_histories`` hands out the same objects while
# no receipt came): a storefront lists the same products page after page, and a view is a pure
# function of its rows and histories. Found by id and checked by comparing the rows: cheaper
# than hashing every column of every row (prices, dates, descriptions) on each page.
_MEMO_SIZE = 4096
_memo: LruMemo[
    int,
    tuple[
        tuple[Any, ...], tuple[tuple[Any, ...], ...], tuple[SlipHistory | None, ...], ProductView
    ],
] = LruMemo(_MEMO_SIZE)


# The views built from each snapshot ``_snapshot`` handed out again, by its identity (each
# entry holds its snapshot, so the id cannot be reused while it is kept).
_SNAPSHOT_VIEWS_SIZE = 64
_snapshot_views: LruMemo[int, tuple[Snapshot, list[ProductView]]] = LruMemo(_SNAPSHOT_VIEWS_SIZE)


def _views(snapshot: Snapshot) -> list[ProductView]:
    """The views of a snapshot's products; the same objects as last time for unchanged rows
    (``api/types/catalog.py`` builds its answers once per view)."""
    key = id(snapshot)
    kept = _snapshot_views.get(key)
    if kept is not None and kept[0] is snapshot:
        _snapshot_views.move_to_end(key)
        return list(kept[1])
    views = _product_views(snapshot)
    _snapshot_views.put(key, (snapshot, views))
    return list(views)


def _product_views(snapshot: Snapshot) -> list[ProductView]:
    supply: dict[int, list[tuple[Any, ...]]] = {}
    for row in snapshot.supply:
        supply.setdefault(row[0], []).append(row)
    slips = dict(snapshot.slips)
    views = []
    for product in snapshot.products:
        pid = product[0]
        lines = tuple(supply.get(pid, ()))
        histories = (slips.get(product[11]), *(slips.get(line[4]) for line in lines))
        kept = _memo.get(pid)
        if (
            kept is not None
            and kept[0] == product
            and kept[1] == lines
            and all(a is b for a, b in zip(kept[2], histories, strict=True))
        ):
            _memo.move_to_end(pid)
            views.append(kept[3])
            continue
        view = _view(product, lines, histories)
        _memo.put(pid, (product, lines, histories, view))
        views.append(view)
    return views


def _view(
    product: tuple[Any, ...],
    lines: tuple[tuple[Any, ...], ...],
    histories: tuple[SlipHistory | None, ...],
) -> ProductView:
    (
        pid,
        sku,
        name,
        description,
        price,
        mode_,
        release_,
        lead,
        on_hand,
        waiting,
        cap,
        supplier_id,
        dropship,
        optional,
    ) = product
    mode = AvailabilityMode(mode_)
    release = as_date(release_)
    return ProductView(
        pid,
        sku,
        name,
        description,
        as_decimal(price),
        mode,
        release,
        lead,
        on_hand,
        waiting,
        cap,
        ProductTerms(mode, release, lead, _learned(histories[0])),
        tuple(
            SupplyLine(line_id, day(expected), remaining, history)
            for (_, line_id, expected, remaining, _), history in zip(
                lines, histories[1:], strict=True
            )
        ),
        shipped_by(bool(dropship), bool(optional), supplier_id),
    )
