"""The keys a fan-out writes per line are checked once per statement, not once per row
(PostgreSQL only; SQLite keeps its foreign keys).

A PO date change over 100,000 waiting lines writes a history row naming each line, a delay
notice naming each line of its order, and an email naming each order. Each of those rows' foreign
keys looked its line or order up on its own, through one queued trigger call per row: about a
third of the statement. 0016 did the same for the ETA event every row names; this migration does
it for the five keys left on those rows. Each keeps its rule, checked per statement over the rows
it wrote:

- **Writing rows** (insert) of which one names a line, order, shipment or build request that does
  not exist fails with ``foreign_key_violation`` (SQLSTATE 23503) and the key's name, as the key
  did. The rows named are locked ``FOR KEY SHARE``, as the key locks them, so none can be deleted
  under a transaction writing rows that name it. A row with a null column names nothing
  (``MATCH SIMPLE``): an email names no shipment and no build request.
- **Changing what a row names** (update of the key's columns) is checked row by row, as the key
  did; nothing in the service does it, so it costs nothing on the hot path.
- **Deleting a named row** deletes the rows naming it (``ON DELETE CASCADE``), after the statement,
  over the deleted rows. A transaction writing rows that name it holds its lock: the delete waits
  for it, then deletes those rows too.
- **Changing a named row's key** fails, as the key's ``NO ACTION`` did.

A statement writing one row pays for it: an email's three trigger calls cost about 40-90 µs
more of the database's CPU than its three key checks did, once per order placed.

The service runs every transaction at ``READ COMMITTED``, where each check reads the newest
committed rows. ``TRUNCATE`` of a named table alone is no longer refused; the service never
truncates, and the test suite truncates every table in one command.

No model changes, so the migration state does not change: a later migration that alters one of
these fields on PostgreSQL finds no constraint of that name there, and must keep or drop these
triggers instead.
"""

from dataclasses import dataclass

from tortoise import migrations
from tortoise.migrations import operations as ops


class PostgresOnlySQL(ops.RunSQL):
    async def database_forward(self, app_label, old_state, new_state, state_editor=None):  # type: ignore[no-untyped-def]
        if state_editor is not None and state_editor.DIALECT != "sqlite":
            await super().database_forward(app_label, old_state, new_state, state_editor)

    async def database_backward(self, app_label, old_state, new_state, state_editor=None):  # type: ignore[no-untyped-def]
        if state_editor is not None and state_editor.DIALECT != "sqlite":
            await super().database_backward(app_label, old_state, new_state, state_editor)


@dataclass(frozen=True)
class Key:
    """A foreign key ``name`` from ``table (columns)`` to ``parent (parent_columns)``, deleted
    with its parent."""

    name: str
    table: str
    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]

    @property
    def stem(self) -> str:
        """The name its triggers and functions share."""
        return self.name.removesuffix("_fkey")

    def listed(self, alias: str) -> str:
        return ", ".join(f"{alias}.{column}" for column in self.columns)

    def listed_parent(self, alias: str) -> str:
        return ", ".join(f"{alias}.{column}" for column in self.parent_columns)

    def present(self, alias: str) -> str:
        """Whether a row names a parent at all: a null column names nothing."""
        return " AND ".join(f"{alias}.{column} IS NOT NULL" for column in self.columns)

    def matches(self, row: str, parent: str) -> str:
        """Whether ``parent`` is the row that ``row`` names."""
        return " AND ".join(
            f"{parent}.{p} = {row}.{c}"
            for c, p in zip(self.columns, self.parent_columns, strict=True)
        )

    def names(self, row: str, parent: str) -> str:
        """Whether ``row`` names ``parent``."""
        return " AND ".join(
            f"{row}.{c} = {parent}.{p}"
            for c, p in zip(self.columns, self.parent_columns, strict=True)
        )

    def changed(self, old: str, new: str, columns: tuple[str, ...]) -> str:
        return " OR ".join(f"{new}.{c} IS DISTINCT FROM {old}.{c}" for c in columns)

    def sql(self) -> str:
        """The key's four trigger functions."""
        columns, parent = ", ".join(self.columns), self.parent
        parent_columns = ", ".join(self.parent_columns)
        # The distinct keys the statement's rows name, and the parent rows found for them:
        # one array per column, each in the order of the parent's id.
        by_id = self.columns[self.parent_columns.index("id")]
        named = ", ".join(f"named_{column}" for column in self.columns)
        found = ", ".join(f"found_{column}" for column in self.parent_columns)
        declared = " ".join(
            f"{kind}_{column} integer[];"
            for kind, names in [("named", self.columns), ("found", self.parent_columns)]
            for column in names
        )

        def gathered(alias: str, order: str) -> str:
            names = self.columns if alias == "w" else self.parent_columns
            return ", ".join(f"array_agg({alias}.{c} ORDER BY {alias}.{order})" for c in names)

        refused = f"""RAISE foreign_key_violation USING
            MESSAGE = 'insert or update on table "{self.table}" violates foreign key'
                      ' constraint "{self.name}"',
            DETAIL = format('Key ({columns})=(%s) is not present in table "{parent}".', missing),
            TABLE = '{self.table}', CONSTRAINT = '{self.name}';"""
        # The written check plans its statements once per session: planning them afresh
        # for each statement's keys cost more than the check itself when an order writes its
        # one email, and the one plan (an index scan for the keys) serves 100,000 keys too.
        return f"""
CREATE FUNCTION {self.stem}_written_check() RETURNS trigger LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    {declared}
    missing text;
BEGIN
    SELECT {gathered("w", by_id)} INTO {named}
        FROM (SELECT DISTINCT {self.listed("w")} FROM written w WHERE {self.present("w")}) w;
    IF named_{by_id} IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT {gathered("p", "id")} INTO {found}
        FROM (SELECT {self.listed_parent("p")} FROM {parent} p
            WHERE p.id = ANY (named_{by_id}) FOR KEY SHARE OF p) p;
    IF ({found}) IS DISTINCT FROM ({named}) THEN
        SELECT concat_ws(', ', {self.listed("w")}) INTO missing
            FROM unnest({named}) AS w({columns})
            WHERE NOT EXISTS (SELECT 1 FROM {parent} p WHERE {self.matches("w", "p")}) LIMIT 1;
        {refused}
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION {self.stem}_changed_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing text;
BEGIN
    PERFORM 1 FROM {parent} p WHERE {self.matches("NEW", "p")} FOR KEY SHARE OF p;
    IF NOT FOUND THEN
        missing := concat_ws(', ', {self.listed("NEW")});
        {refused}
    END IF;
    RETURN NEW;
END $$;
CREATE FUNCTION {self.stem}_gone_cascade() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {self.table} c WHERE ({self.listed("c")})
        IN (SELECT {", ".join(f"g.{c}" for c in self.parent_columns)} FROM gone g);
    RETURN NULL;
END $$;
CREATE FUNCTION {self.stem}_renumber_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM {self.table} c WHERE {self.names("c", "OLD")}) THEN
        RAISE foreign_key_violation USING
            MESSAGE = 'update or delete on table "{parent}" violates foreign key constraint'
                      ' "{self.name}" on table "{self.table}"',
            DETAIL = format('Key ({parent_columns})=(%s) is still referenced from table'
                            ' "{self.table}".', concat_ws(', ', {", ".join(f"OLD.{c}" for c in self.parent_columns)})),
            TABLE = '{parent}', CONSTRAINT = '{self.name}';
    END IF;
    RETURN NEW;
END $$;
"""

    def forward(self) -> list[str]:
        stem, table, parent = self.stem, self.table, self.parent
        return [
            self.sql(),
            f"CREATE TRIGGER {stem}_written AFTER INSERT ON {table}"
            " REFERENCING NEW TABLE AS written FOR EACH STATEMENT"
            f" EXECUTE FUNCTION {stem}_written_check()",
            f"CREATE TRIGGER {stem}_changed BEFORE UPDATE OF {', '.join(self.columns)}"
            f" ON {table} FOR EACH ROW WHEN (({self.changed('OLD', 'NEW', self.columns)})"
            f" AND {self.present('NEW')}) EXECUTE FUNCTION {stem}_changed_check()",
            f"CREATE TRIGGER {stem}_gone AFTER DELETE ON {parent}"
            " REFERENCING OLD TABLE AS gone FOR EACH STATEMENT"
            f" EXECUTE FUNCTION {stem}_gone_cascade()",
            f"CREATE TRIGGER {stem}_renumbered BEFORE UPDATE OF"
            f" {', '.join(self.parent_columns)} ON {parent} FOR EACH ROW"
            f" WHEN ({self.changed('OLD', 'NEW', self.parent_columns)})"
            f" EXECUTE FUNCTION {stem}_renumber_check()",
            f"ALTER TABLE {table} DROP CONSTRAINT {self.name}",
        ]

    def backward(self) -> list[str]:
        stem = self.stem
        return [
            f"DROP TRIGGER IF EXISTS {stem}_written ON {self.table}",
            f"DROP TRIGGER IF EXISTS {stem}_changed ON {self.table}",
            f"DROP TRIGGER IF EXISTS {stem}_gone ON {self.parent}",
            f"DROP TRIGGER IF EXISTS {stem}_renumbered ON {self.parent}",
            f"ALTER TABLE {self.table} ADD CONSTRAINT {self.name}"
            f" FOREIGN KEY ({', '.join(self.columns)})"
            f" REFERENCES {self.parent} ({', '.join(self.parent_columns)}) ON DELETE CASCADE",
            *(
                f"DROP FUNCTION IF EXISTS {stem}_{suffix}()"
                for suffix in ["written_check", "changed_check", "gone_cascade", "renumber_check"]
            ),
        ]


# The keys on the rows a fan-out writes per line or per order, each as 0001 and 0015 made it.
KEYS = [
    Key("eta_change_line_id_fkey", "eta_change", ("line_id",), "order_line", ("id",)),
    Key(
        "delay_notice_line_of_order_fkey",
        "delay_notice",
        ("order_id", "line_id"),
        "order_line",
        ("order_id", "id"),
    ),
    Key("outbox_message_order_id_fkey", "outbox_message", ("order_id",), "customer_order", ("id",)),
    Key("outbox_message_shipment_id_fkey", "outbox_message", ("shipment_id",), "shipment", ("id",)),
    Key(
        "outbox_message_build_request_id_fkey",
        "outbox_message",
        ("build_request_id",),
        "build_request",
        ("id",),
    ),
]


class Migration(migrations.Migration):
    dependencies = [("models", "0016_event_keys_per_statement")]

    initial = False

    operations = [
        PostgresOnlySQL(
            [sql for key in KEYS for sql in key.forward()],
            reverse_sql=[sql for key in KEYS for sql in key.backward()],
        )
    ]
