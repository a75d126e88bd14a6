"""An ETA event's references are checked once per statement, not once per row (PostgreSQL
only; SQLite keeps its foreign keys).

History rows (``eta_change``), delay notices and outbox messages each name the ETA event that
caused them. A foreign key checks each row on its own: a PO date change over 100,000 waiting
lines wrote 300,000 rows naming one event, and paid 300,000 look-ups and locks of that one row,
about a fifth of the statement. The three keys become triggers that keep the same rule, checked
per statement over the rows it wrote:

- **Writing a row** (insert) whose event does not exist fails with ``foreign_key_violation``
  (SQLSTATE 23503), as the key did. The events named are locked ``FOR KEY SHARE``, as the key
  locks them, once per event instead of once per row, so an event cannot be deleted under a
  transaction that is writing rows naming it.
- **Changing a row's event** (update of ``event_id``) is checked row by row, as the key did;
  nothing in the service changes a row's event, so this costs nothing on the hot path.
- **Deleting an event** that any row still names fails (``ON DELETE RESTRICT``), checked after
  the statement over the deleted events. A transaction that is writing rows naming the event
  holds its lock: the delete waits for it, then sees those rows and fails.
- **Changing an event's id** that any row names fails, as the key's ``NO ACTION`` did.

``TRUNCATE eta_event`` alone is no longer refused while rows name it; the service never
truncates, and the test suite truncates every table in one command.

No model changes, so the migration state does not change: a later migration that alters the
``event`` field of ``eta_change``, ``delay_notice`` or ``outbox_message`` on PostgreSQL finds no
``*_event_id_fkey`` there, and must keep or drop these triggers instead.
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


# The tables whose rows name an ETA event, each with the key 0001 gave it.
NAMING = ["eta_change", "delay_notice", "outbox_message"]


def _refuse_missing(key: str) -> str:
    """The error a key on ``event_id`` raised for a row naming no event."""
    return f"""RAISE foreign_key_violation USING
            MESSAGE = format('insert or update on table "%s" violates foreign key constraint'
                             ' "%s_event_id_fkey"', TG_TABLE_NAME, TG_TABLE_NAME),
            DETAIL = format('Key (event_id)=(%s) is not present in table "eta_event".', {key}),
            TABLE = TG_TABLE_NAME, COLUMN = 'event_id';"""


def _refuse_named(key: str) -> str:
    """The error a key on ``event_id`` raised for an event rows still name."""
    return f"""RAISE foreign_key_violation USING
            MESSAGE = 'update or delete on table "eta_event" violates a foreign key'
                      ' constraint of a table naming it',
            DETAIL = format('Key (id)=(%s) is still referenced.', {key}),
            TABLE = 'eta_event';"""


def _named(event: str) -> str:
    """Whether any row names ``event``."""
    return " OR ".join(
        f"EXISTS (SELECT 1 FROM {table} WHERE {table}.event_id = {event})" for table in NAMING
    )


WRITTEN_CHECK = f"""
CREATE FUNCTION eta_event_named_rows_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    named integer[];
    locked integer;
    missing integer;
BEGIN
    named := ARRAY(SELECT DISTINCT event_id FROM written WHERE event_id IS NOT NULL);
    IF cardinality(named) = 0 THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM eta_event e WHERE e.id = ANY (named) FOR KEY SHARE OF e;
    GET DIAGNOSTICS locked = ROW_COUNT;
    IF locked < cardinality(named) THEN
        SELECT n INTO missing FROM unnest(named) n
            WHERE NOT EXISTS (SELECT 1 FROM eta_event e WHERE e.id = n) LIMIT 1;
        {_refuse_missing("missing")}
    END IF;
    RETURN NULL;
END $$
"""

CHANGED_CHECK = f"""
CREATE FUNCTION eta_event_named_row_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM eta_event e WHERE e.id = NEW.event_id FOR KEY SHARE OF e;
    IF NOT FOUND THEN
        {_refuse_missing("NEW.event_id")}
    END IF;
    RETURN NEW;
END $$
"""

GONE_CHECK = f"""
CREATE FUNCTION eta_event_still_named_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    named integer;
BEGIN
    SELECT g.id INTO named FROM gone g WHERE {_named("g.id")} LIMIT 1;
    IF FOUND THEN
        {_refuse_named("named")}
    END IF;
    RETURN NULL;
END $$
"""

RENUMBER_CHECK = f"""
CREATE FUNCTION eta_event_renumber_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF {_named("OLD.id")} THEN
        {_refuse_named("OLD.id")}
    END IF;
    RETURN NEW;
END $$
"""


def _forward() -> list[str]:
    sql = [WRITTEN_CHECK, CHANGED_CHECK, GONE_CHECK, RENUMBER_CHECK]
    for table in NAMING:
        sql += [
            f"CREATE TRIGGER {table}_event_written AFTER INSERT ON {table}"
            " REFERENCING NEW TABLE AS written FOR EACH STATEMENT"
            " EXECUTE FUNCTION eta_event_named_rows_check()",
            f"CREATE TRIGGER {table}_event_changed BEFORE UPDATE OF event_id ON {table}"
            " FOR EACH ROW WHEN (NEW.event_id IS DISTINCT FROM OLD.event_id"
            " AND NEW.event_id IS NOT NULL) EXECUTE FUNCTION eta_event_named_row_check()",
            f"ALTER TABLE {table} DROP CONSTRAINT {table}_event_id_fkey",
        ]
    sql += [
        "CREATE TRIGGER eta_event_gone AFTER DELETE ON eta_event"
        " REFERENCING OLD TABLE AS gone FOR EACH STATEMENT"
        " EXECUTE FUNCTION eta_event_still_named_check()",
        "CREATE TRIGGER eta_event_renumbered BEFORE UPDATE OF id ON eta_event"
        " FOR EACH ROW WHEN (NEW.id IS DISTINCT FROM OLD.id)"
        " EXECUTE FUNCTION eta_event_renumber_check()",
    ]
    return sql


def _backward() -> list[str]:
    sql = [
        "DROP TRIGGER IF EXISTS eta_event_gone ON eta_event",
        "DROP TRIGGER IF EXISTS eta_event_renumbered ON eta_event",
    ]
    for table in NAMING:
        sql += [
            f"DROP TRIGGER IF EXISTS {table}_event_written ON {table}",
            f"DROP TRIGGER IF EXISTS {table}_event_changed ON {table}",
            f"ALTER TABLE {table} ADD CONSTRAINT {table}_event_id_fkey FOREIGN KEY (event_id)"
            " REFERENCES eta_event (id) ON DELETE RESTRICT",
        ]
    sql += [
        "DROP FUNCTION IF EXISTS eta_event_named_rows_check()",
        "DROP FUNCTION IF EXISTS eta_event_named_row_check()",
        "DROP FUNCTION IF EXISTS eta_event_still_named_check()",
        "DROP FUNCTION IF EXISTS eta_event_renumber_check()",
    ]
    return sql


class Migration(migrations.Migration):
    dependencies = [("models", "0015_notice_line_of_order")]

    initial = False

    operations = [PostgresOnlySQL(_forward(), reverse_sql=_backward())]
