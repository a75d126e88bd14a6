"""A delay notice's line belongs to its order: one foreign-key check where there were two
(PostgreSQL only; SQLite is left as it is).

A delay notice names its order and its line; each column had its own foreign key, so each
notice cost a look-up of the order and another of the line, and nothing stopped a notice from
naming a line of another order. One key over both, ``(order_id, line_id)`` to ``order_line
(order_id, id)``, holds both references and the rule between them, in one look-up per notice.
A PO date change over 100,000 waiting lines opens 100,000 notices in one statement: 100,000
checks fewer, of the nine per moved line that its history, notices and emails paid.

The key needs a unique index over ``order_line (order_id, id)``. It takes the place of the
index on ``order_id`` (same name, so a later migration finds it): the same entries, in the
same order, serving the same look-ups by order, and no extra index entry for each line placed.

Deletes are unchanged: an order's lines cascade to their notices, a line to its notices (the
new key cascades as both old ones did). The notice's event keeps its own key.

Adding the key checks every existing notice against its line: a notice naming a line of
another order stops the migration (none is written so: each is derived from its line).

SQLite keeps its two keys: its foreign-key checks cost little, and a changed key would rebuild
the table. No model changes, so the migration state does not change either: a later migration
that alters ``delay_notice.order`` or ``delay_notice.line`` on PostgreSQL finds no
``delay_notice_order_id_fkey`` or ``delay_notice_line_id_fkey`` there, and must drop or keep
``delay_notice_line_of_order_fkey`` instead.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops


class PostgresOnlySQL(ops.RunSQL):
    async def database_forward(self, app_label, old_state, new_state, state_editor=None):  # type: ignore[no-untyped-def]
        if state_editor is not None and state_editor.DIALECT != "sqlite":
            await super().database_forward(app_label, old_state, new_state, state_editor)

    async def database_backward(self, app_label, old_state, new_state, state_editor=None):  # type: ignore[no-untyped-def]
        if state_editor is not None and state_editor.DIALECT != "sqlite":
            await super().database_backward(app_label, old_state, new_state, state_editor)


# Named as 0001 created it (Tortoise derives the name from the table and column).
ORDER_INDEX = "idx_order_line_order_i_b67cd5"
LINE_OF_ORDER = "delay_notice_line_of_order_fkey"


class Migration(migrations.Migration):
    dependencies = [("models", "0014_fanout_writes")]

    initial = False

    operations = [
        PostgresOnlySQL(
            [
                f"DROP INDEX IF EXISTS {ORDER_INDEX}",
                f"CREATE UNIQUE INDEX {ORDER_INDEX} ON order_line (order_id, id)",
            ],
            reverse_sql=[
                f"DROP INDEX IF EXISTS {ORDER_INDEX}",
                f"CREATE INDEX {ORDER_INDEX} ON order_line (order_id)",
            ],
        ),
        PostgresOnlySQL(
            [
                f"ALTER TABLE delay_notice ADD CONSTRAINT {LINE_OF_ORDER}"
                " FOREIGN KEY (order_id, line_id) REFERENCES order_line (order_id, id)"
                " ON DELETE CASCADE",
                "ALTER TABLE delay_notice DROP CONSTRAINT delay_notice_order_id_fkey,"
                " DROP CONSTRAINT delay_notice_line_id_fkey",
            ],
            reverse_sql=[
                "ALTER TABLE delay_notice"
                " ADD CONSTRAINT delay_notice_order_id_fkey FOREIGN KEY (order_id)"
                " REFERENCES customer_order (id) ON DELETE CASCADE,"
                " ADD CONSTRAINT delay_notice_line_id_fkey FOREIGN KEY (line_id)"
                " REFERENCES order_line (id) ON DELETE CASCADE",
                f"ALTER TABLE delay_notice DROP CONSTRAINT IF EXISTS {LINE_OF_ORDER}",
            ],
        ),
    ]
