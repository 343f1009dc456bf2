"""topology: a tenant's sites and dependencies; a signal's outage correlation

Revision ID: 0004_topology
Revises: 0003_triage
Create Date: 2026-12-06

Both columns are nullable: clients without topology and signals that are not
outages carry nothing.
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_topology"
down_revision = "0003_triage"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tenant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("topology", sa.JSON(), nullable=True))
    with op.batch_alter_table("signal", schema=None) as batch_op:
        batch_op.add_column(sa.Column("correlation", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("signal", schema=None) as batch_op:
        batch_op.drop_column("correlation")
    with op.batch_alter_table("tenant", schema=None) as batch_op:
        batch_op.drop_column("topology")
