"""Enums of the domain's vocabulary and the ETA window, shared by every type."""

from __future__ import annotations

import datetime as dt

import strawberry

from domain.promises.eta import Window
from domain.vocabulary import (
    AvailabilityMode,
    BuildStatus,
    DelayNoticeStatus,
    EtaBasis,
    EtaReason,
    PurchaseOrderStatus,
    ShipmentStatus,
    ShippedBy,
    ShipPreference,
)

# The domain's enums, exposed under their own names (values become UPPER_CASE names).
strawberry.enum(AvailabilityMode, description="How a product is supplied.")
strawberry.enum(EtaBasis, description="What an ETA rests on.")
strawberry.enum(ShipPreference, description="Ship each part when ready, or all at once.")
strawberry.enum(PurchaseOrderStatus)
strawberry.enum(ShipmentStatus)
strawberry.enum(DelayNoticeStatus)
strawberry.enum(BuildStatus)
strawberry.enum(ShippedBy, description="Who ships a product to the customer (rule 25).")
strawberry.enum(EtaReason, description="The event that moved an ETA.")


@strawberry.type(description="A delivery window, `earliest..latest`, and what it rests on.")
class Eta:
    earliest: dt.date | None
    latest: dt.date | None
    basis: EtaBasis

    @staticmethod
    def of(window: Window) -> Eta:
        return Eta(earliest=window.earliest, latest=window.latest, basis=window.basis)
