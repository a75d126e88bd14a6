"""The fixed words of DOMAIN.md as enums, shared by models and pure rules."""

from enum import StrEnum


class AvailabilityMode(StrEnum):
    STOCKED = "stocked"
    PREORDER = "preorder"
    MADE_TO_ORDER = "made_to_order"
    CUSTOM_BUILD = "custom_build"


class EtaBasis(StrEnum):
    IN_STOCK = "in_stock"
    PURCHASE_ORDER = "purchase_order"
    LATE_DELIVERY = "late_delivery"  # pegged to an overdue PO: the delivery is late (rule 20)
    LEAD_TIME = "lead_time"
    RELEASE_DATE = "release_date"
    BUILD = "build"
    UNKNOWN = "unknown"
    DROPSHIP = "dropship"  # shipped by the maker: its lead time plus transit (rule 25)


class ShippedBy(StrEnum):
    """DOMAIN.md rule 25: who ships a product to the customer."""

    SHOP = "shop"  # from our stock (rules 1-13)
    MAKER = "maker"  # always dropshipped by its supplier
    EITHER = "either"  # the customer chooses per line at checkout; the shop by default


class ShipPreference(StrEnum):
    SHIP_WHEN_READY = "ship_when_ready"
    SHIP_COMPLETE = "ship_complete"


class PurchaseOrderStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class ShipmentStatus(StrEnum):
    PLANNED = "planned"
    SHIPPED = "shipped"


class DelayNoticeStatus(StrEnum):
    OPEN = "open"
    KEPT = "kept"  # the customer chose to keep waiting
    CANCELLED = "cancelled"  # the customer cancelled, or the deadline passed without an answer
    CONSENTED = "consented"  # silence after a first notice counts as consent
    SUPERSEDED = "superseded"  # a later slip replaced it, or the units left before an answer


class LedgerKind(StrEnum):
    BACKORDER_BOOKED = "backorder_booked"
    BACKORDER_CANCELLED = "backorder_cancelled"
    REVENUE_RECOGNISED = "revenue_recognised"
    REFUND_DUE = "refund_due"


class OutboxKind(StrEnum):
    ORDER_CONFIRMATION = "order_confirmation"
    ETA_CHANGED = "eta_changed"
    DELAY_NOTICE = "delay_notice"
    SHIPMENT_SENT = "shipment_sent"
    BUILD_QUOTE_READY = "build_quote_ready"
    ORDER_CANCELLED = "order_cancelled"
    ORDER_LINKS = "order_links"
    PURCHASE_ORDER_SENT = "purchase_order_sent"  # to a supplier, with its private link
    SUPPLIER_REMINDER = "supplier_reminder"  # a sent PO unconfirmed, or a confirmed date passed
    WAITLIST_CONFIRM = "waitlist_confirm"  # rule 26: confirm the address first
    WAITLIST_OPENING = "waitlist_opening"  # rule 26: supply made room


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"
    SUPERSEDED = "superseded"


class BuildStatus(StrEnum):
    REQUESTED = "requested"
    QUOTED = "quoted"
    ACCEPTED = "accepted"
    EXPIRED = "expired"


class EtaReason(StrEnum):
    ORDER_PLACED = "order_placed"
    PO_CREATED = "po_created"
    PO_DATE_CHANGED = "po_date_changed"
    PO_LINE_CANCELLED = "po_line_cancelled"
    RECEIPT = "receipt"
    ORDER_CANCELLED = "order_cancelled"
    PRIORITY_CHANGED = "priority_changed"
    DAILY_REVIEW = "daily_review"
    PRODUCT_CHANGED = "product_changed"  # staff changed release date, lead time, supplier, cap
    SUPPLIER_CHANGED = "supplier_changed"  # staff changed a supplier's default lead time
    STOCK_ADJUSTED = "stock_adjusted"  # a stock count or adjustment found or lost units
    BUILD_SLIPPED = "build_slipped"  # the workshop gave a later build date
