from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import CheckConstraint


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    initial = False

    operations = [
        ops.AddConstraint(
            model_name="OrderLine",
            constraint=CheckConstraint(
                check="qty_allocated >= 0 AND qty_waiting >= 0 AND qty_shipped >= 0 AND qty_cancelled >= 0",
                name="order_line_quantities_not_negative",
            ),
        ),
        ops.AddConstraint(
            model_name="OrderLine",
            constraint=CheckConstraint(
                check="quantity = qty_allocated + qty_waiting + qty_shipped + qty_cancelled",
                name="order_line_quantities_add_up",
            ),
        ),
        ops.AddConstraint(
            model_name="Product",
            constraint=CheckConstraint(
                check="on_hand >= 0 AND waiting_units >= 0", name="product_stock_not_negative"
            ),
        ),
    ]
