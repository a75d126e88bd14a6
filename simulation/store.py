"""The synthetic store: its suppliers, products and the plans the world draws for them.

Everything random comes from :class:`Dice`, one seeded generator per purpose, so that the
demand of a seed is the same under every policy: only what the policy decides (dates, and so
who cancels after a notice) differs between the two runs.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from domain.catalog.models import Product, Supplier
from domain.vocabulary import AvailabilityMode
from simulation.world import Span, SupplierProfile, World


class Dice:
    """Seeded generators, one per purpose, so that one purpose never shifts another's draws."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.setup = random.Random(f"{seed}:setup")
        self.demand = random.Random(f"{seed}:demand")
        self.supply = random.Random(f"{seed}:supply")
        self.customers = random.Random(f"{seed}:customers")


def span(rng: random.Random, s: Span) -> int:
    return rng.randint(s.low, s.high)


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method for small means, a rounded normal draw for large ones."""
    if mean <= 0:
        return 0
    if mean > 60:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


@dataclass(frozen=True)
class SimSupplier:
    id: int
    profile: SupplierProfile
    lead_time_days: int


@dataclass(frozen=True)
class SimProduct:
    id: int
    sku: str
    supplier: SimSupplier
    daily_demand: float  # expected units a day, the buyer's forecast


@dataclass
class Catalogue:
    suppliers: list[SimSupplier]
    products: list[SimProduct]
    weights: list[float]  # the chance of each product to be chosen for a line
    by_id: dict[int, SimProduct] = field(default_factory=dict)


def slip_of(rng: random.Random, profile: SupplierProfile) -> int:
    """Days after the confirmed date a delivery comes: negative early, 0 on the day."""
    draw = rng.random()
    if draw < profile.early:
        return -span(rng, profile.early_days)
    if draw < profile.on_time:
        return 0
    return span(rng, profile.late_days)


def _profiles(world: World) -> list[SupplierProfile]:
    """Each supplier's profile: the shares by largest remainder, so 70/25/5 of 40 is 28/10/2."""
    count = world.store.suppliers
    exact = [p.share * count for p in world.suppliers]
    whole = [math.floor(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: (whole[i] - exact[i], i))
    for i in order[: count - sum(whole)]:
        whole[i] += 1
    return [p for p, n in zip(world.suppliers, whole, strict=True) for _ in range(n)]


def mean_units_per_order(world: World) -> float:
    lines = sum(world.store.lines_per_order) / len(world.store.lines_per_order)
    units = sum(world.store.units_per_line) / len(world.store.units_per_line)
    return lines * units


async def build_catalogue(world: World, dice: Dice) -> Catalogue:
    """Suppliers and stocked products, with opening stock of ``initial_stock_days``."""
    rng = dice.setup
    profiles = _profiles(world)
    rng.shuffle(profiles)
    suppliers: list[SimSupplier] = []
    for index, profile in enumerate(profiles):
        lead = span(rng, world.store.lead_time_days)
        made = await Supplier.create(
            name=f"{profile.name.title()} {index + 1:03d}", lead_time_days=lead
        )
        suppliers.append(SimSupplier(made.id, profile, lead))
    raw = [1.0 / (k + 1) ** world.store.popularity for k in range(world.store.products)]
    total = sum(raw)
    weights = [w / total for w in raw]
    units_a_day = world.store.orders_per_year / 365 * mean_units_per_order(world)
    rows = []
    plan: list[tuple[str, SimSupplier, float]] = []
    for index, weight in enumerate(weights):
        supplier = suppliers[rng.randrange(len(suppliers))]
        daily = units_a_day * weight
        sku = f"SIM-{index + 1:05d}"
        plan.append((sku, supplier, daily))
        rows.append(
            Product(
                sku=sku,
                name=f"Simulated product {index + 1}",
                mode=AvailabilityMode.STOCKED,
                price=Decimal(f"{rng.randint(5, 500)}.00"),
                supplier_id=supplier.id,
                on_hand=math.ceil(daily * world.store.initial_stock_days),
            )
        )
    await Product.bulk_create(rows)
    ids = dict(await Product.filter(sku__in=[sku for sku, _, _ in plan]).values_list("sku", "id"))
    products = [SimProduct(ids[sku], sku, supplier, daily) for sku, supplier, daily in plan]
    catalogue = Catalogue(suppliers, products, weights)
    catalogue.by_id = {p.id: p for p in products}
    return catalogue


def season(world: World, day: dt.date) -> float:
    months = world.demand.seasonality
    return months[day.month - 1] / (sum(months) / len(months))
