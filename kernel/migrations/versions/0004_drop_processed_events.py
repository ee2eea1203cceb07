"""Consumers no longer keep the id of every event they processed

Revision ID: 0004
Revises: 0003

A consumer applies a stream's events in version order and records the stream's last
applied version in ``stream_checkpoints`` in the same transaction, so a redelivered event
is already recognised by its version; the per-event ids were a second record of the same
fact, written once per event and consumer. Their ``processed_at`` also kept, to the
microsecond, when each anonymous survey response was applied.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table("processed_events")


def downgrade():
    op.create_table(
        "processed_events",
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )
