"""Checking what staff type for a product or a supplier, the same for forms, API and CSV.

Pure: text in, clean values out, or an ``InvalidInput`` naming the field. Numbers are ASCII
digits only (``domain.numbers``): ``Decimal("٣")`` is 3 and ``int("²")`` raises, so neither is
trusted with raw text.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from domain import numbers
from domain.errors import InvalidInput
from domain.validation import SKU_LENGTH, clean_email, clean_text
from domain.vocabulary import AvailabilityMode, ShippedBy

MAX_PRICE = Decimal("1000000000.00")  # far below the column's 12 digits, far above any price
MAX_CAP = 1_000_000
MAX_LEAD_DAYS = 3650
MAX_PER_ORDER = numbers.MAX_QUANTITY
_PRICE = re.compile(r"[0-9]{1,10}(\.[0-9]{1,2})?")
_SKU = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-/]*")


class BackorderPolicy(StrEnum):
    NONE = "none"  # sold out means sold out (cap 0)
    CAP = "cap"  # at most N units wait
    UNLIMITED = "unlimited"  # no cap


@dataclass(frozen=True)
class ProductData:
    """A product as typed: every value still text or as the API typed it."""

    sku: str
    name: str
    price: str
    mode: str
    description: str = ""
    backorders: str = BackorderPolicy.UNLIMITED.value
    cap: str | int | None = None
    release_date: str | dt.date | None = None
    lead_time_days: str | int | None = None
    supplier_id: int | None = None
    per_order_limit: str | int | None = None
    # Rule 25, a ShippedBy value; None keeps what the product has (a CSV without the column).
    shipped_by: str | None = None


@dataclass(frozen=True)
class ProductFields:
    """A product's checked values, as stored."""

    sku: str
    name: str
    description: str
    price: Decimal
    mode: AvailabilityMode
    backorder_cap: int | None
    release_date: dt.date | None
    lead_time_days: int | None
    supplier_id: int | None
    per_order_limit: int | None
    shipped_by: ShippedBy | None = None

    def policy(self) -> BackorderPolicy:
        return backorder_policy(self.backorder_cap)


def backorder_policy(cap: int | None) -> BackorderPolicy:
    if cap is None:
        return BackorderPolicy.UNLIMITED
    return BackorderPolicy.NONE if cap == 0 else BackorderPolicy.CAP


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_sku(value: str, *, field: str = "sku") -> str:
    sku = (value or "").strip()
    if not sku:
        raise InvalidInput("This field is required.", field=field)
    if len(sku) > SKU_LENGTH or not _SKU.fullmatch(sku):
        raise InvalidInput(
            f"Use up to {SKU_LENGTH} letters, digits, '-', '_', '.' or '/'.", field=field
        )
    return sku


def clean_price(value: object, *, field: str = "price") -> Decimal:
    if isinstance(value, Decimal):
        text = format(value, "f")
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise InvalidInput("Enter a price such as 249.00.", field=field)
    if not _PRICE.fullmatch(text):
        raise InvalidInput("Enter a price such as 249.00 (digits and a dot).", field=field)
    price = Decimal(text).quantize(Decimal("0.01"))
    if price <= 0 or price > MAX_PRICE:
        raise InvalidInput(f"Enter a price above 0 and at most {MAX_PRICE:,}.", field=field)
    return price


def optional_number(value: object, *, field: str, minimum: int, maximum: int) -> int | None:
    if _blank(value):
        return None
    return numbers.whole_number(value, field=field, minimum=minimum, maximum=maximum)


def clean_date(value: object, *, field: str) -> dt.date | None:
    if _blank(value):
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InvalidInput("Enter a date such as 2027-03-14.", field=field)


def check_product(data: ProductData) -> ProductFields:
    """Every field checked, the first failure raised with its field's name."""
    sku = clean_sku(data.sku)
    name = clean_text(data.name, field="name", max_length=200)
    description = clean_text(
        data.description, field="description", max_length=5000, required=False, multiline=True
    )
    price = clean_price(data.price)
    try:
        mode = AvailabilityMode((data.mode or "").strip())
    except ValueError:
        modes = ", ".join(m.value for m in AvailabilityMode)
        raise InvalidInput(f"Choose one of: {modes}.", field="mode") from None
    try:
        policy = BackorderPolicy((data.backorders or "").strip())
    except ValueError:
        policies = ", ".join(p.value for p in BackorderPolicy)
        raise InvalidInput(f"Choose one of: {policies}.", field="backorderPolicy") from None
    cap: int | None
    if policy == BackorderPolicy.CAP:
        cap = optional_number(data.cap, field="backorderCap", minimum=1, maximum=MAX_CAP)
        if cap is None:
            raise InvalidInput("Enter how many units may wait.", field="backorderCap")
    else:
        cap = 0 if policy == BackorderPolicy.NONE else None
    release_date = clean_date(data.release_date, field="releaseDate")
    if mode == AvailabilityMode.PREORDER and release_date is None:
        raise InvalidInput("A preorder product needs its release date.", field="releaseDate")
    lead = optional_number(
        data.lead_time_days, field="leadTimeDays", minimum=0, maximum=MAX_LEAD_DAYS
    )
    limit = optional_number(
        data.per_order_limit, field="perOrderLimit", minimum=1, maximum=MAX_PER_ORDER
    )
    supplier_id = data.supplier_id
    if supplier_id is not None:
        supplier_id = numbers.whole_number(
            supplier_id, field="supplierId", minimum=1, maximum=numbers.MAX_ID
        )
    shipped_by = None
    if data.shipped_by is not None:
        try:
            shipped_by = ShippedBy((data.shipped_by or "").strip())
        except ValueError:
            choices = ", ".join(s.value for s in ShippedBy)
            raise InvalidInput(f"Choose one of: {choices}.", field="shippedBy") from None
        if shipped_by != ShippedBy.SHOP and supplier_id is None:
            raise InvalidInput(
                "A maker that ships needs a supplier: choose one.", field="shippedBy"
            )
        if shipped_by != ShippedBy.SHOP and mode == AvailabilityMode.CUSTOM_BUILD:
            raise InvalidInput(
                "A custom build is made here: it ships from the shop.", field="shippedBy"
            )
    return ProductFields(
        sku, name, description, price, mode, cap, release_date, lead, supplier_id, limit, shipped_by
    )


@dataclass(frozen=True)
class SupplierFields:
    name: str
    email: str
    lead_time_days: int
    address: str


def check_supplier(
    name: str, email: str, lead_time_days: object, address: str = ""
) -> SupplierFields:
    clean_name = clean_text(name, field="name", max_length=200)
    clean_address = clean_text(
        address, field="address", max_length=1000, required=False, multiline=True
    )
    address_email = clean_email(email, field="email") if (email or "").strip() else ""
    lead = numbers.whole_number(
        lead_time_days, field="leadTimeDays", minimum=0, maximum=MAX_LEAD_DAYS
    )
    return SupplierFields(clean_name, address_email, lead, clean_address)
