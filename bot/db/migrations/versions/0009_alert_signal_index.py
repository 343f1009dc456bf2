"""an index of each client's alerts by signal (the packet's related clusters)

Revision ID: 0009_alert_signal_index
Revises: 0008_leases
Create Date: 2026-12-06
"""
from alembic import op

revision = "0009_alert_signal_index"
down_revision = "0008_leases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_alert_tenant_signal", "alert", ["tenant_id", "signal_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_alert_tenant_signal", table_name="alert")
