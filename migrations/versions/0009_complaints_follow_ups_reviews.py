"""Closing the loop: complaints with their own clocks and timeline, follow-ups of unhappy
customers, and the periodic review reports. A message may now be about a complaint or a
review rather than a case, so the outbox's case is optional.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "complaints",
        sa.Column("complaint_id", sa.String(32), primary_key=True),
        sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.case_id"), nullable=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(32), nullable=True),
        sa.Column("opened_by", sa.String(100), nullable=False),
        sa.Column("callback_due_at", TS, nullable=False),
        sa.Column("called_back_at", TS, nullable=True),
        sa.Column("resolve_due_at", TS, nullable=False),
        sa.Column("escalation_level", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("outcome_reason", sa.Text(), nullable=True),
        sa.Column("compensation_type", sa.String(16), nullable=True),
        sa.Column("compensation_amount", sa.Numeric(12, 2), nullable=True),
        sa.Column("closed_by", sa.String(100), nullable=True),
        sa.Column("idempotency_key", sa.String(200), nullable=True, unique=True),
        sa.Column("idempotency_body", sa.String(64), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("closed_at", TS, nullable=True),
        sa.CheckConstraint("case_id IS NOT NULL OR customer_id IS NOT NULL", name="ck_complaints_about"),
    )
    op.create_index("ix_complaints_status_created", "complaints", ["status", "created_at"])
    op.create_index("ix_complaints_created", "complaints", ["created_at", "complaint_id"])
    op.create_index("ix_complaints_case", "complaints", ["case_id"])
    op.create_index("ix_complaints_customer", "complaints", ["customer_id"])
    op.create_table(
        "complaint_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("complaint_id", sa.String(32), sa.ForeignKey("complaints.complaint_id"), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("detail", postgresql.JSONB(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.UniqueConstraint("complaint_id", "key"),
    )
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.case_id"), nullable=False, unique=True),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("csat", sa.Integer(), nullable=True),
        sa.Column("nps", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(32), nullable=True),
        sa.Column("deadline", TS, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("closed_at", TS, nullable=True),
        sa.Column("closed_by", sa.String(100), nullable=True),
    )
    op.create_index("ix_follow_ups_status_deadline", "follow_ups", ["status", "deadline"])
    op.create_table(
        "review_reports",
        sa.Column("review_id", sa.String(80), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("period_from", TS, nullable=False),
        sa.Column("period_to", TS, nullable=False),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("report", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_review_reports_created", "review_reports", ["created_at"])
    op.alter_column("notifications", "case_id", existing_type=sa.String(32), nullable=True)
    op.add_column(
        "notifications",
        sa.Column("complaint_id", sa.String(32), sa.ForeignKey("complaints.complaint_id"), nullable=True),
    )
    op.add_column(
        "notifications",
        sa.Column("review_id", sa.String(80), sa.ForeignKey("review_reports.review_id"), nullable=True),
    )
    op.create_index("ix_notifications_complaint", "notifications", ["complaint_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_notifications_complaint", table_name="notifications")
    op.drop_column("notifications", "review_id")
    op.drop_column("notifications", "complaint_id")
    # the messages about complaints and reviews go with them: the outbox had only case messages
    op.execute(
        "DELETE FROM delivery_attempts WHERE notification_id IN (SELECT id FROM notifications WHERE case_id IS NULL)"
    )
    op.execute("DELETE FROM notifications WHERE case_id IS NULL")
    op.alter_column("notifications", "case_id", existing_type=sa.String(32), nullable=False)
    op.drop_index("ix_review_reports_created", table_name="review_reports")
    op.drop_table("review_reports")
    op.drop_index("ix_follow_ups_status_deadline", table_name="follow_ups")
    op.drop_table("follow_ups")
    op.drop_table("complaint_events")
    for name in (
        "ix_complaints_customer",
        "ix_complaints_case",
        "ix_complaints_created",
        "ix_complaints_status_created",
    ):
        op.drop_index(name, table_name="complaints")
    op.drop_table("complaints")
