"""SLA ladder: per-target calendar, budget, rung times, level, pause and extension;
the database time of each escalation.

Revision ID: 0002
Revises: 0001
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TS = sa.DateTime(timezone=True)
SLA_COLUMNS = [
    sa.Column("policy", sa.String(length=4), nullable=True),
    sa.Column("calendar", sa.String(length=80), nullable=True),
    sa.Column("started_at", TS, nullable=True),
    sa.Column("budget_seconds", sa.Float(), nullable=True),
    sa.Column("warn_at", TS, nullable=True),
    sa.Column("escalate_at", TS, nullable=True),
    sa.Column("level", sa.Integer(), server_default="0", nullable=False),
    sa.Column("extended_seconds", sa.Float(), server_default="0", nullable=False),
    sa.Column("paused_at", TS, nullable=True),
    sa.Column("paused_seconds", sa.Float(), server_default="0", nullable=False),
    sa.Column("paused_service_seconds", sa.Float(), server_default="0", nullable=False),
]


def upgrade() -> None:
    for column in SLA_COLUMNS:
        op.add_column("sla_targets", column)
    op.add_column("escalations", sa.Column("recorded_at", TS, server_default=sa.func.now(), nullable=False))
    # the at-risk list walks pending deadlines of open cases in order
    op.create_index("ix_sla_targets_pending", "sla_targets", ["deadline"],
                    postgresql_where=sa.text("met_at IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_sla_targets_pending", table_name="sla_targets")
    op.drop_column("escalations", "recorded_at")
    for column in reversed(SLA_COLUMNS):
        op.drop_column("sla_targets", column.name)
