"""triage: signals

Revision ID: 0003_triage
Revises: 0002
Create Date: 2026-11-27

A branch of its own off 0001 (retrieval adds its revision in parallel);
``bot.db.engine.upgrade`` upgrades to all heads.
"""
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import bot.db.models

revision = "0003_triage"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signal",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("grouping", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("representative", sa.Text(), nullable=False),
        sa.Column("template", sa.Text(), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("devices", sa.JSON(), nullable=False),
        sa.Column("alert_count", sa.Integer(), nullable=False),
        sa.Column("first_seen", bot.db.models.UTCDateTime(), nullable=False),
        sa.Column("last_seen", bot.db.models.UTCDateTime(), nullable=False),
        sa.Column("severity", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("firing", sa.Boolean(), nullable=False),
        sa.Column("noise", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("created_at", bot.db.models.UTCDateTime(), nullable=False),
        sa.Column("updated_at", bot.db.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"]),
        sa.PrimaryKeyConstraint("pk"),
    )
    with op.batch_alter_table("signal", schema=None) as batch_op:
        batch_op.create_index("ix_signal_tenant_last_seen", ["tenant_id", "last_seen"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("signal", schema=None) as batch_op:
        batch_op.drop_index("ix_signal_tenant_last_seen")
    op.drop_table("signal")
