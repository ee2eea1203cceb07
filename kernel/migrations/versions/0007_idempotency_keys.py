"""Idempotency keys: write requests already carried out, with their first answer

Revision ID: 0007
Revises: 0006

A write RPC that carries an idempotency key (docs/gateway.md, "Idempotency keys") claims
``(scope, key)`` first thing in its transaction and stores its answer there before the
commit, so the events, the answer and the key commit together or not at all. A repeated
request finds the row and is answered from it; the primary key makes a concurrent one wait
for the first and then find it. ``recorded_at`` is indexed for the hourly pruning.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("operation", sa.String(100), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("answer", sa.LargeBinary(), nullable=True),
        sa.Column("recorded_at", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name="pk_idempotency_keys"),
    )
    op.create_index("ix_idempotency_keys_recorded_at", "idempotency_keys", ["recorded_at"])


def downgrade():
    op.drop_index("ix_idempotency_keys_recorded_at", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
