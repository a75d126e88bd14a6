"""Products, suppliers and the option groups of custom builds."""

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from domain.validation import SKU_LENGTH
from domain.vocabulary import AvailabilityMode


class Supplier(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200, unique=True)
    email = fields.CharField(max_length=254, default="")
    lead_time_days = fields.IntField()
    created_at = fields.DatetimeField(auto_now_add=True)
    address = fields.TextField(default="", db_default="")

    class Meta:
        table = "supplier"


class Product(Model):
    """A thing sold by SKU.

    ``on_hand`` is free stock: units received and not allocated to any line.
    ``waiting_units`` is the sum of the waiting quantities of the queue of the product. Both
    are changed only by guarded updates so that concurrent orders never oversell.
    """

    id = fields.IntField(primary_key=True)
    sku = fields.CharField(max_length=SKU_LENGTH, unique=True)
    name = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    mode = fields.CharEnumField(AvailabilityMode, max_length=20)
    price = fields.DecimalField(max_digits=12, decimal_places=2)
    backorder_cap = fields.IntField(null=True)
    release_date = fields.DateField(null=True)
    supplier: fields.ForeignKeyNullableRelation[Supplier] = fields.ForeignKeyField(
        "models.Supplier",
        related_name="products",
        db_index=True,
        null=True,
        on_delete=fields.RESTRICT,
    )
    supplier_id: int | None
    lead_time_days = fields.IntField(null=True)
    on_hand = fields.IntField(default=0)
    waiting_units = fields.IntField(default=0)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    per_order_limit = fields.IntField(null=True)  # the most units one order line may ask for
    # DOMAIN.md rules 24-25 (domain/purchasing/reorder.py): how the supplier sells it, how
    # much free stock to keep beside the queue, and whether the supplier ships it to customers.
    min_order_qty = fields.IntField(default=1, db_default=1)
    pack_size = fields.IntField(default=1, db_default=1)
    safety_stock = fields.IntField(default=0, db_default=0)
    dropship = fields.BooleanField(default=False, db_default=False)
    # With ``dropship``: the customer may choose the shop or the maker per line (ShippedBy.EITHER).
    dropship_optional = fields.BooleanField(default=False, db_default=False)

    class Meta:
        table = "product"
        constraints = (
            CheckConstraint(
                check="on_hand >= 0 AND waiting_units >= 0", name="product_stock_not_negative"
            ),
        )


class OptionGroup(Model):
    id = fields.IntField(primary_key=True)
    product: fields.ForeignKeyRelation[Product] = fields.ForeignKeyField(
        "models.Product", related_name="option_groups", db_index=True, on_delete=fields.CASCADE
    )
    product_id: int
    name = fields.CharField(max_length=100)
    required = fields.BooleanField(default=True)
    position = fields.IntField(default=0)

    class Meta:
        table = "option_group"
        unique_together = (("product", "name"),)


class OptionChoice(Model):
    id = fields.IntField(primary_key=True)
    group: fields.ForeignKeyRelation[OptionGroup] = fields.ForeignKeyField(
        "models.OptionGroup", related_name="choices", db_index=True, on_delete=fields.CASCADE
    )
    group_id: int
    name = fields.CharField(max_length=100)
    price_delta = fields.DecimalField(max_digits=12, decimal_places=2, default=0)
    lead_time_delta_days = fields.IntField(default=0)
    position = fields.IntField(default=0)

    class Meta:
        table = "option_choice"
        unique_together = (("group", "name"),)


class CatalogChange(Model):
    """Who changed what in the catalogue (DOMAIN.md rule 23): one row per saved change."""

    id = fields.IntField(primary_key=True)
    product: fields.ForeignKeyNullableRelation[Product] = fields.ForeignKeyField(
        "models.Product",
        related_name="catalog_changes",
        db_index=True,
        null=True,
        on_delete=fields.CASCADE,
    )
    product_id: int | None
    supplier: fields.ForeignKeyNullableRelation[Supplier] = fields.ForeignKeyField(
        "models.Supplier",
        related_name="catalog_changes",
        db_index=True,
        null=True,
        on_delete=fields.CASCADE,
    )
    supplier_id: int | None
    action = fields.CharField(max_length=32)
    detail = fields.TextField()
    actor = fields.CharField(max_length=200)
    event_id = fields.IntField(null=True)  # the ETA event the change caused, if it moved any
    created_at = fields.DatetimeField()

    class Meta:
        table = "catalog_change"


class StockAdjustment(Model):
    """A counted or corrected stock level, with its reason: counts, damage, returns, finds."""

    id = fields.IntField(primary_key=True)
    product: fields.ForeignKeyRelation[Product] = fields.ForeignKeyField(
        "models.Product", related_name="stock_adjustments", db_index=True, on_delete=fields.CASCADE
    )
    product_id: int
    reason = fields.CharField(max_length=16)
    delta = fields.IntField()  # units found (+) or lost (-)
    to_queue = fields.IntField(default=0)  # of units found, those that filled waiting lines
    taken_back = fields.IntField(default=0)  # of units lost, those taken from allocations
    note = fields.CharField(max_length=300, default="")
    actor = fields.CharField(max_length=200)
    event_id = fields.IntField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "stock_adjustment"


class ProductImage(Model):
    """A product photo: a re-encoded WebP and its thumbnail under the media directory."""

    id = fields.IntField(primary_key=True)
    product: fields.ForeignKeyRelation[Product] = fields.ForeignKeyField(
        "models.Product", related_name="images", db_index=True, on_delete=fields.CASCADE
    )
    product_id: int
    filename = fields.CharField(max_length=100)
    thumbnail = fields.CharField(max_length=100)
    alt_text = fields.CharField(max_length=300)
    width = fields.IntField()
    height = fields.IntField()
    position = fields.IntField(default=0)
    created_at = fields.DatetimeField()

    class Meta:
        table = "product_image"
