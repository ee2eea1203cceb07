"""The database writes each event's outbox entry and moves the store head, and refuses
to update or delete events

Revision ID: 0002
Revises: 0001

Why triggers: the outbox entry and the head can then never be forgotten by a code path, and
an append costs one statement instead of three (measured in docs/benchmarks.md). Refusing
UPDATE and DELETE makes the log append-only for every client; the hash chain still catches
anyone who disables the trigger first.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE = [
    """CREATE TRIGGER events_after_insert AFTER INSERT ON events BEGIN
         INSERT INTO outbox (position) VALUES (NEW.position);
         UPDATE store_head SET position = NEW.position, hash = NEW.hash WHERE id = 1;
       END""",
    """CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN
         SELECT RAISE(ABORT, 'events are append-only');
       END""",
    """CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN
         SELECT RAISE(ABORT, 'events are append-only');
       END""",
]

POSTGRESQL = [
    """CREATE FUNCTION events_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         INSERT INTO outbox (position) VALUES (NEW.position);
         UPDATE store_head SET position = NEW.position, hash = NEW.hash WHERE id = 1;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER events_after_insert AFTER INSERT ON events
       FOR EACH ROW EXECUTE FUNCTION events_after_insert()""",
    """CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION 'events are append-only';
       END $$""",
    """CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
       FOR EACH ROW EXECUTE FUNCTION events_append_only()""",
]


def upgrade():
    for statement in POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER events_append_only ON events")
        op.execute("DROP FUNCTION events_append_only()")
        op.execute("DROP TRIGGER events_after_insert ON events")
        op.execute("DROP FUNCTION events_after_insert()")
    else:
        for name in ("events_no_delete", "events_no_update", "events_after_insert"):
            op.execute(f"DROP TRIGGER {name}")
