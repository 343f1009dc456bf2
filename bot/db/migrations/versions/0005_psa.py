"""psa: tenant.psa mapping, PSA ticket state, sync watermarks

Revision ID: 0005_psa
Revises: 0004_topology
Create Date: 2026-12-06

``tenant.psa`` is the optional ``psa:`` field of tenants.yaml; existing rows
get ``{}`` (no mapping). The two tables belong to bot/psa.
"""
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import bot.db.models

revision = "0005_psa"
down_revision = "0004_topology"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (not batch mode): SQLite supports it with a constant
    # default, and copying ``tenant`` would trip the foreign keys pointing at it.
    op.add_column("tenant", sa.Column("psa", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
    op.create_table(
        "psaticketstate",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("connector", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("ticket_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("board", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("escalated_at", bot.db.models.UTCDateTime(), nullable=True),
        sa.Column("escalation_key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("psa_updated_at", bot.db.models.UTCDateTime(), nullable=True),
        sa.Column("fetched_at", bot.db.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"]),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("connector", "external_id", name="uq_psaticketstate_connector_ext"),
    )
    with op.batch_alter_table("psaticketstate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_psaticketstate_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_psaticketstate_tenant_id"), ["tenant_id"], unique=False)
    op.create_table(
        "psasyncstate",
        sa.Column("connector", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("watermark", bot.db.models.UTCDateTime(), nullable=True),
        sa.Column("run_since", bot.db.models.UTCDateTime(), nullable=True),
        sa.Column("run_full", sa.Boolean(), nullable=False),
        sa.Column("run_page", sa.Integer(), nullable=False),
        sa.Column("run_max_seen", bot.db.models.UTCDateTime(), nullable=True),
        sa.Column("updated_at", bot.db.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("connector"),
    )


def downgrade() -> None:
    op.drop_table("psasyncstate")
    with op.batch_alter_table("psaticketstate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_psaticketstate_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_psaticketstate_ticket_id"))
    op.drop_table("psaticketstate")
    with op.batch_alter_table("tenant", schema=None) as batch_op:
        batch_op.drop_column("psa")
