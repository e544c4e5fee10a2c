"""Case KPI facts: one narrow row per ended case, written when its review ends it, so the KPI
report aggregates one table by `closed_at` (docs/kpis.md); and the SLA clocks by the time
they were met. The cases ended before this
revision get theirs here, from what they recorded.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
# activities/case_kpis.py as it was at this revision: a migration keeps its own copy
BACKFILL = """
INSERT INTO case_kpis
SELECT c.case_id, c.status, c.created_at, c.closed_at, d.category, c.region, c.technician_id, c.priority, c.channel,
       extract(epoch FROM r.met_at - c.created_at),
       extract(epoch FROM ev.repaired - ev.diagnosed),
       coalesce(ev.remote, false), rv.first_time_fix,
       EXISTS (SELECT 1 FROM part_reservations p WHERE p.case_id = c.case_id),
       coalesce(ev.waited, false),
       cb.csat, cb.nps, cb.ces, cb.attitude, cb.professionalism,
       a.policy, CASE WHEN a.case_id IS NOT NULL THEN a.met_at IS NOT NULL AND a.breached_at IS NULL END,
       s.policy, CASE WHEN s.case_id IS NOT NULL THEN s.met_at IS NOT NULL AND s.breached_at IS NULL END,
       r.policy, CASE WHEN r.case_id IS NOT NULL THEN r.met_at IS NOT NULL AND r.breached_at IS NULL END,
       a.met_at
FROM cases c
JOIN devices d ON d.id = c.device_id
LEFT JOIN sla_targets a ON a.case_id = c.case_id AND a.target = 'assigned'
LEFT JOIN sla_targets s ON s.case_id = c.case_id AND s.target = 'diagnosis_started'
LEFT JOIN sla_targets r ON r.case_id = c.case_id AND r.target = 'resolved'
LEFT JOIN reviews rv ON rv.case_id = c.case_id
LEFT JOIN LATERAL (
    SELECT min(t.at) FILTER (WHERE t.type = 'diagnosed') AS diagnosed,
           max(t.at) FILTER (WHERE t.type = 'repaired') AS repaired,
           bool_or(t.type = 'remote_resolved') AS remote,
           bool_or(t.stage = 'WAITING_PARTS') AS waited
    FROM timeline_events t WHERE t.case_id = c.case_id
) ev ON true
LEFT JOIN LATERAL (
    SELECT k.csat, k.nps, k.ces, k.attitude, k.professionalism
    FROM callbacks k WHERE k.case_id = c.case_id AND k.outcome = 'reached'
    ORDER BY k.seq DESC LIMIT 1
) cb ON true
WHERE c.status <> 'open' AND c.closed_at IS NOT NULL
"""


def upgrade() -> None:
    op.create_table(
        "case_kpis",
        sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.case_id"), primary_key=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("closed_at", TS, nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("region", sa.String(64), nullable=True),
        sa.Column("technician_id", sa.String(32), nullable=True),
        sa.Column("priority", sa.String(4), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("resolved_seconds", sa.Float(), nullable=True),
        sa.Column("mttr_seconds", sa.Float(), nullable=True),
        sa.Column("remote_resolved", sa.Boolean(), nullable=False),
        sa.Column("first_time_fix", sa.Boolean(), nullable=True),
        sa.Column("reserved_parts", sa.Boolean(), nullable=False),
        sa.Column("waited_parts", sa.Boolean(), nullable=False),
        *(
            sa.Column(name, sa.Integer(), nullable=True)
            for name in ("csat", "nps", "ces", "attitude", "professionalism")
        ),
        *(
            column
            for target in ("assigned", "diagnosis_started", "resolved")
            for column in (
                sa.Column(f"{target}_policy", sa.String(4), nullable=True),
                sa.Column(f"{target}_ok", sa.Boolean(), nullable=True),
            )
        ),
        sa.Column("assigned_at", TS, nullable=True),
    )
    op.create_index("ix_case_kpis_closed", "case_kpis", ["closed_at"])
    # the clocks met in a period: the first response of the cases opened in it
    op.create_index("ix_sla_targets_met", "sla_targets", ["target", "met_at"])
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_index("ix_sla_targets_met", table_name="sla_targets")
    op.drop_index("ix_case_kpis_closed", table_name="case_kpis")
    op.drop_table("case_kpis")
