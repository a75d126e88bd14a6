"""Room on each ``order_line`` page for the line's next version (PostgreSQL only).

An ETA event rewrites the windows of every line it moves: a PO date change, 100,000 lines.
Those columns are in no index, so PostgreSQL can write the new version as a heap-only tuple
(HOT), touching none of the table's six indexes, but only when the page holding the line has
room for it. With the default fill factor of 100 the pages are full, every new version goes
to another page, and each moved line costs six index entries besides its row. A fill factor of
80 keeps a fifth of each page free for the updates that lines receive all their lives
(allocation, ETA, shipment).

Only pages written from now on are filled to 80%: an existing store's lines move to roomier
pages as they are updated (or at once by ``VACUUM FULL order_line``, which locks the table).
SQLite has no fill factor: nothing to do there. No model changes, so the migration state does
not either.
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


class Migration(migrations.Migration):
    dependencies = [("models", "0013_dropship")]

    initial = False

    operations = [
        PostgresOnlySQL(
            "ALTER TABLE order_line SET (fillfactor = 80)",
            reverse_sql="ALTER TABLE order_line RESET (fillfactor)",
        ),
    ]
