"""Events of a private type get no outbox entry

Revision ID: 0005
Revises: 0004

A service keeps some events to itself (the survey's individual responses): they are in its
log for its own read models and for auditors, but never published. Until now each still got
an outbox entry that the relay read back and deleted, a read, a delete and a commit per
event for nothing. The service names those types in ``private_event_types`` when it starts
(``EventStore.declare_private_types``) and the insert trigger passes them over.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SQLITE_TRIGGER = """CREATE TRIGGER events_after_insert AFTER INSERT ON events BEGIN
     INSERT INTO outbox (position) SELECT NEW.position
       WHERE NOT EXISTS (SELECT 1 FROM private_event_types WHERE type = NEW.type);
     UPDATE store_head SET position = NEW.position, hash = NEW.hash WHERE id = 1;
   END"""

POSTGRESQL_FUNCTION = """CREATE OR REPLACE FUNCTION events_after_insert() RETURNS trigger
   LANGUAGE plpgsql AS $$
   BEGIN
     IF NOT EXISTS (SELECT 1 FROM private_event_types WHERE type = NEW.type) THEN
       INSERT INTO outbox (position) VALUES (NEW.position);
     END IF;
     UPDATE store_head SET position = NEW.position, hash = NEW.hash WHERE id = 1;
     RETURN NULL;
   END $$"""

# As migration 0002 wrote them.
SQLITE_TRIGGER_0002 = """CREATE TRIGGER events_after_insert AFTER INSERT ON events BEGIN
     INSERT INTO outbox (position) VALUES (NEW.position);
     UPDATE store_head SET position = NEW.position, hash = NEW.hash WHERE id = 1;
   END"""

POSTGRESQL_FUNCTION_0002 = """CREATE OR REPLACE FUNCTION events_after_insert() RETURNS trigger
   LANGUAGE plpgsql AS $$
   BEGIN
     INSERT INTO outbox (position) VALUES (NEW.position);
     UPDATE store_head SET position = NEW.position, hash = NEW.hash WHERE id = 1;
     RETURN NULL;
   END $$"""


def _replace_trigger(sqlite_trigger: str, postgresql_function: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(postgresql_function)
    else:
        op.execute("DROP TRIGGER events_after_insert")
        op.execute(sqlite_trigger)


def upgrade():
    op.create_table("private_event_types", sa.Column("type", sa.String(200), primary_key=True))
    _replace_trigger(SQLITE_TRIGGER, POSTGRESQL_FUNCTION)


def downgrade():
    _replace_trigger(SQLITE_TRIGGER_0002, POSTGRESQL_FUNCTION_0002)
    op.drop_table("private_event_types")
