"""leases for periodic work (one leader per job); the outbox worker's schedule

Revision ID: 0008_leases
Revises: 0007_reports
Create Date: 2026-12-06
"""
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from bot.db.models import UTCDateTime

revision = "0008_leases"
down_revision = "0007_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lease",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("acquired_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rounds", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("next_attempt_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("asker", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("asker")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("rounds")
    op.drop_table("lease")
