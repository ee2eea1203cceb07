"""Signed chain heads, append-only

Revision ID: 0006
Revises: 0005

Each service signs its chain head with an Ed25519 key kept outside the database
(kernel/signing.py, kernel/integrity.py) and keeps the signed heads here, beside the events
but not among them: a signature is about the log, not an event of it. Like the events, the
rows are refused UPDATE and DELETE by trigger; someone who drops the trigger and deletes
heads still cannot forge one, and the publication service holds copies of them.

``frontier`` (JSON list of hex) is the Merkle tree's perfect-subtree roots at ``position``:
unsigned, but bound to the signed ``merkle_root``; the next signature extends it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SQLITE = [
    """CREATE TRIGGER signed_heads_no_update BEFORE UPDATE ON signed_heads BEGIN
         SELECT RAISE(ABORT, 'signed heads are append-only');
       END""",
    """CREATE TRIGGER signed_heads_no_delete BEFORE DELETE ON signed_heads BEGIN
         SELECT RAISE(ABORT, 'signed heads are append-only');
       END""",
]

POSTGRESQL = [
    """CREATE FUNCTION signed_heads_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION 'signed heads are append-only';
       END $$""",
    """CREATE TRIGGER signed_heads_append_only BEFORE UPDATE OR DELETE ON signed_heads
       FOR EACH ROW EXECUTE FUNCTION signed_heads_append_only()""",
]


def upgrade():
    op.create_table(
        "signed_heads",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("merkle_root", sa.String(64), nullable=False),
        sa.Column("signed_at", sa.String(40), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.Column("frontier", sa.Text, nullable=False),
    )
    op.create_index("ix_signed_heads_position", "signed_heads", ["position", "signed_at"])
    for statement in POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER signed_heads_append_only ON signed_heads")
        op.execute("DROP FUNCTION signed_heads_append_only()")
    op.drop_table("signed_heads")
