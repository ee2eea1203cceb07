"""PostgreSQL: the outbox and the head written once per insert statement, and an append in
one statement

Revision ID: 0008
Revises: 0007

Until now the insert trigger ran once per row: a group of appends written in one statement
ran an outbox insert and a head update for each event, and the head's row got a new
version each time. A statement-level trigger reads the statement's rows as a transition
table: one outbox insert and one head update per statement, whatever its size.

``append_events`` does what an append's transaction did in four round trips (BEGIN, the
head and the streams' versions, the insert, COMMIT) in one statement, run outside any
transaction block so that it commits on its own: it locks the head, checks that the head is
the one the caller chained its events to and that each stream is at the version the caller
expects, then inserts the rows (the trigger then moves the head). It changes nothing and
answers with the head when either check fails; the caller then chains again or reads under
the lock (kernel/store.py, ``EventStore._write_group``). The head is locked before anything
is read, so positions still commit in order: a follower reading up to the head never skips
one.

SQLite has no statement-level triggers and no server round trips to save: unchanged.
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

STATEMENT_TRIGGER = [
    "DROP TRIGGER events_after_insert ON events",
    "DROP FUNCTION events_after_insert()",
    """CREATE FUNCTION events_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         INSERT INTO outbox (position)
           SELECT a.position FROM appended a
            WHERE NOT EXISTS (SELECT 1 FROM private_event_types p WHERE p.type = a.type);
         UPDATE store_head SET position = last.position, hash = last.hash
           FROM (SELECT position, hash FROM appended ORDER BY position DESC LIMIT 1) AS last
          WHERE id = 1;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER events_after_insert AFTER INSERT ON events
       REFERENCING NEW TABLE AS appended
       FOR EACH STATEMENT EXECUTE FUNCTION events_after_insert()""",
    # ``appended_rows``: a JSON array of the events' rows, in position order, chained to
    # (expected_position, expected_hash). ``streams`` and ``versions``: each stream appended
    # to, once, with the version it must be at. Answers NULLs once written, else the head.
    """CREATE FUNCTION append_events(expected_position bigint, expected_hash varchar,
                                     streams varchar[], versions integer[],
                                     appended_rows json,
                                     OUT head_position bigint, OUT head_hash varchar)
       LANGUAGE plpgsql AS $$
       BEGIN
         SELECT h.position, h.hash INTO head_position, head_hash FROM store_head h
          WHERE h.id = 1 FOR UPDATE;
         IF head_position <> expected_position OR head_hash <> expected_hash THEN
           RETURN;
         END IF;
         IF EXISTS (SELECT 1 FROM unnest(streams, versions) AS s(stream, version)
                     WHERE s.version <> coalesce((SELECT max(e.version) FROM events e
                                                   WHERE e.stream = s.stream), 0)) THEN
           RETURN;
         END IF;
         INSERT INTO events (position, event_id, stream, version, type, schema_version, data,
                             metadata, prev_hash, hash)
           SELECT r.position, r.event_id, r.stream, r.version, r.type, r.schema_version,
                  r.data, r.metadata, r.prev_hash, r.hash
             FROM json_to_recordset(appended_rows) AS r(position bigint, event_id varchar,
                  stream varchar, version integer, type varchar, schema_version integer,
                  data json, metadata json, prev_hash varchar, hash varchar);
         head_position := NULL;
         head_hash := NULL;
       END $$""",
]

# As migration 0005 left them.
ROW_TRIGGER = [
    "DROP FUNCTION append_events(bigint, varchar, varchar[], integer[], json)",
    "DROP TRIGGER events_after_insert ON events",
    "DROP FUNCTION events_after_insert()",
    """CREATE FUNCTION events_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NOT EXISTS (SELECT 1 FROM private_event_types WHERE type = NEW.type) THEN
           INSERT INTO outbox (position) VALUES (NEW.position);
         END IF;
         UPDATE store_head SET position = NEW.position, hash = NEW.hash WHERE id = 1;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER events_after_insert AFTER INSERT ON events
       FOR EACH ROW EXECUTE FUNCTION events_after_insert()""",
]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in STATEMENT_TRIGGER:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in ROW_TRIGGER:
            op.execute(statement)
