"""reports: revisions of one report per client and period, and the service review they render from

Revision ID: 0007_reports
Revises: 0006_outbox
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_reports"
down_revision = "0006_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("report_no", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("document", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("period_report", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("charts", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.create_index(batch_op.f("ix_report_report_no"), ["report_no"], unique=False)
    # Drafts from before revisions: each was its own report, revision 1, numbered within its client and
    # period in the order they were asked for (so the unique key below holds for old data too).
    op.execute("UPDATE report SET report_no = pk WHERE report_no IS NULL")
    op.execute("UPDATE report SET period_report = (SELECT COUNT(*) FROM report AS earlier WHERE "
               "earlier.tenant_id = report.tenant_id AND earlier.month = report.month AND earlier.pk <= report.pk)")
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_report_period_revision",
                                          ["tenant_id", "month", "period_report", "revision"])


def downgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_constraint("uq_report_period_revision", type_="unique")
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_report_no"))
        batch_op.drop_column("charts")
        batch_op.drop_column("period_report")
        batch_op.drop_column("document")
        batch_op.drop_column("revision")
        batch_op.drop_column("report_no")
