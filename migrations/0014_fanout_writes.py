"""Fewer writes for each line an ETA event moves (PostgreSQL only; SQLite is left as it is).

Room on each ``order_line`` page for the line's next version.

An ETA event rewrites the windows of every line it moves: a PO date change, 100,000 lines.
Those columns are in no index, so PostgreSQL can write the new version as a heap-only tuple
(HOT), touching none of the table's six indexes, but only when the page holding the line has
room for it. With the default fill factor of 100 the pages are full, every new version goes
to another page, and each moved line costs six index entries besides its row. A fill factor of
80 keeps a fifth of each page free for the updates that lines receive all their lives
(allocation, ETA, shipment).

Only pages written from now on are filled to 80%: an existing store's lines move to roomier
pages as they are updated (or at once by ``VACUUM FULL order_line``, which locks the table).

No index entry for an outbox row that has no shipment or build. An ETA event writes one outbox
row per order it moved (100,000 for a PO date change over 100,000 orders), none with a
shipment or a build; their two foreign-key indexes took an entry for each NULL all the same.
They now hold only the rows that have one, which is every row anything looks up through them
(``shipment_id = ?``, ``build_request_id = ?``, and the cascades of a deleted shipment or
build: an equality implies the index's ``IS NOT NULL``). Same names, so a later migration finds
them.

SQLite has no fill factor, and its indexes cost little here: nothing to do there. No model
changes, so the migration state does not either.
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


# Named as 0001 created them (Tortoise derives the name from the table and column).
OUTBOX_SPARSE_INDEXES = (
    ("idx_outbox_mess_shipmen_ee9a91", "shipment_id"),
    ("idx_outbox_mess_build_r_558340", "build_request_id"),
)


class Migration(migrations.Migration):
    dependencies = [("models", "0013_dropship")]

    initial = False

    operations = [
        PostgresOnlySQL(
            "ALTER TABLE order_line SET (fillfactor = 80)",
            reverse_sql="ALTER TABLE order_line RESET (fillfactor)",
        ),
        *(
            PostgresOnlySQL(
                [
                    f"DROP INDEX IF EXISTS {index}",
                    f"CREATE INDEX {index} ON outbox_message ({column}) WHERE {column} IS NOT NULL",
                ],
                reverse_sql=[
                    f"DROP INDEX IF EXISTS {index}",
                    f"CREATE INDEX {index} ON outbox_message ({column})",
                ],
            )
            for index, column in OUTBOX_SPARSE_INDEXES
        ),
    ]
