"""SLA ladder: per-target calendar, budget, rung times, level, pause and extension;
the database time of each escalation. Clocks recorded before it get the level of their
breach and the time a late finish met them (earlier code kept no met_at after a breach).

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
SLA_COLUMNS: list[sa.Column[Any]] = [
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
# the timeline events that meet each target, as the code of this revision records them
MET_BY = {
    "assigned": ["technician_assigned", "remote_resolved"],
    "diagnosis_started": ["diagnosed", "remote_resolved"],
    "resolved": ["handover_accepted", "returned_unrepaired", "compensation_agreed", "remote_resolved"],
}
BACKFILL_MET = sa.text("""
    UPDATE sla_targets t SET met_at = e.at
    FROM (SELECT case_id, min(at) AS at FROM timeline_events WHERE type = ANY(:types) GROUP BY case_id) e
    WHERE t.case_id = e.case_id AND t.target = :target AND t.met_at IS NULL""")


def upgrade() -> None:
    for column in SLA_COLUMNS:
        op.add_column("sla_targets", column)
    op.add_column("escalations", sa.Column("recorded_at", TS, server_default=sa.func.now(), nullable=False))
    op.execute("UPDATE sla_targets SET level = 2 WHERE breached_at IS NOT NULL")
    for target, types in MET_BY.items():
        op.execute(BACKFILL_MET.bindparams(target=target, types=types))
    # the at-risk board: each case's running clocks, soonest first
    op.create_index(
        "ix_sla_targets_running",
        "sla_targets",
        ["case_id", "deadline"],
        postgresql_where=sa.text("met_at IS NULL AND paused_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_sla_targets_running", table_name="sla_targets")
    op.drop_column("escalations", "recorded_at")
    for column in reversed(SLA_COLUMNS):
        op.drop_column("sla_targets", column.name)
