"""Indexes for the audit queries: correlation id and actor in the events' metadata

Revision ID: 0003
Revises: 0002

``EventStore.query`` filters on ``metadata.correlation_id`` (following one action through
the services) and ``metadata.actor``; without these, each is a scan of the whole log. The
expressions are written exactly as ``kernel.store`` writes them, so each database can match
the index. ``IF NOT EXISTS`` keeps a repeated upgrade harmless.
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

KEYS = ("correlation_id", "actor")


def _expression(dialect: str, key: str) -> str:
    if dialect == "postgresql":
        return f"(metadata ->> '{key}')"
    return f"json_extract(metadata, '$.{key}')"


def upgrade():
    dialect = op.get_bind().dialect.name
    for key in KEYS:
        op.execute(f"CREATE INDEX IF NOT EXISTS ix_events_meta_{key} ON events "
                   f"({_expression(dialect, key)})")


def downgrade():
    for key in KEYS:
        op.execute(f"DROP INDEX IF EXISTS ix_events_meta_{key}")
