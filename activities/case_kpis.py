"""A closed case's KPI facts: one row of `case_kpis` per ended case, derived in SQL from what
its activities recorded (intake, SLA clocks, timeline, parts, callback, review) when the
review ends it. The KPI report then aggregates one narrow table by `closed_at` instead of
joining five per request (docs/kpis.md). The same statement refreshes any set of cases,
which is how `bench/kpis.py` and the tests load history."""

from collections.abc import Sequence

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession

COLUMNS = (
    "case_id, outcome, created_at, closed_at, category, region, technician_id, priority, channel, "
    "resolved_seconds, mttr_seconds, remote_resolved, first_time_fix, reserved_parts, waited_parts, "
    "csat, nps, ces, attitude, professionalism, "
    "assigned_policy, assigned_ok, diagnosis_started_policy, diagnosis_started_ok, resolved_policy, resolved_ok, "
    "assigned_at"
)
# a target's `ok`: null when the case never had that clock, else met with no breach on record
FACTS = f"""
INSERT INTO case_kpis ({COLUMNS})
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
           -- an event that left the case waiting for a part (the approval itself, when one was short)
           bool_or(t.stage = 'WAITING_PARTS') AS waited
    FROM timeline_events t WHERE t.case_id = c.case_id
) ev ON true
LEFT JOIN LATERAL (
    SELECT k.csat, k.nps, k.ces, k.attitude, k.professionalism
    FROM callbacks k WHERE k.case_id = c.case_id AND k.outcome = 'reached'
    ORDER BY k.seq DESC LIMIT 1
) cb ON true
WHERE c.status <> 'open' AND c.closed_at IS NOT NULL {{only}}
ON CONFLICT (case_id) DO UPDATE SET ({COLUMNS}) = ({", ".join(f"EXCLUDED.{c.strip()}" for c in COLUMNS.split(","))})
"""


def facts_statement(every: bool = False) -> TextClause:
    """The statement for the cases in `:ids`, or with `every` for every ended case."""
    return text(FACTS.format(only="" if every else "AND c.case_id = ANY(:ids)"))


async def write_case_kpis(session: AsyncSession, case_ids: Sequence[str]) -> None:
    """Idempotent: a case's row is rewritten from what is recorded now."""
    await session.execute(facts_statement(), {"ids": list(case_ids)})
