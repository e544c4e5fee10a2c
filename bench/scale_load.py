"""The cases bench/scale.py grows its database with, in bulk SQL (INSERT ... SELECT
generate_series): what the activities would have written for each case, without running it.

Case n (counted from 1 over the whole run) is:
  open       one in 25: created over the last 15 days, in a stage from DISPATCH to CALLBACK
             with the events, records and met clocks of the stages it passed; a clock past
             its deadline is breached (and escalated past 150 %), as the SLA timers would have
  cancelled  one in 50: cancelled after its assignment, its later clocks left unmet
  closed     the rest: created over the last year, closed 48 hours later through the whole
             out-of-warranty path (assignment, diagnosis, quote, repair, QC, handover, a
             callback that reached the customer, the review)
Priorities P1 to P4 in turn, clocks on the default SLA minutes (docs/sla.md) in wall-clock
time; two cases to a customer (a pinyin name, a mobile number), a device to each case.

Tables filled: customers, devices, cases, timeline_events, sla_targets, escalations (a
breach of each breached clock), handovers, callbacks, reviews, and case_kpis by the
statement the review runs (activities/case_kpis.py). Left empty: diagnoses, quotes,
quote_lines, repairs, qc_results, part_reservations, notifications and their deliveries
(no read this bench times reads them). The loaded cases have no workflow in Temporal and no
search attributes: every read timed reads PostgreSQL only.

Loaded ids start at ID_BASE, out of the way of the customers and devices the API's intakes
add from their sequences meanwhile.
"""

from activities.case_kpis import FACTS
from bench.search import MOBILE_BASE, SURNAMES, SYLLABLES, sql_array
from models.sla import DEFAULT_SLA_MINUTES

ID_BASE = 10_000_000
OPEN_EVERY, CANCELLED_EVERY = 25, 50
PLAN = "bench_scale_plan"
# (event type, stage it leaves the case in, hours after intake, targets it meets): the whole path
PATH = [
    ("case_created", "INTAKE", 0.0, ()),
    ("triaged", "DISPATCH", 0.01, ()),
    ("technician_assigned", "DIAGNOSIS", 1.0, ("assigned",)),
    ("diagnosed", "QUOTE_APPROVAL", 3.0, ("diagnosis_started",)),
    ("quote_approved", "REPAIR", 4.0, ()),
    ("repaired", "QC", 20.0, ()),
    ("qc_passed", "HANDOVER", 22.0, ()),
    ("handover_accepted", "CALLBACK", 30.0, ("resolved",)),
    ("callback_reached", "REVIEW", 40.0, ()),
    ("reviewed", "CLOSED", 48.0, ()),
]
OPEN_STAGES = ["DISPATCH", "DIAGNOSIS", "QUOTE_APPROVAL", "REPAIR", "QC", "HANDOVER", "CALLBACK"]
# how many steps of PATH a case at each open stage has taken
PROGRESS = {stage: 1 + [s for _, s, _, _ in PATH].index(stage) for stage in OPEN_STAGES}
HOUR_OF = {t: h for t, _, h, _ in PATH}


def _budgets() -> str:
    rows = [
        f"('{p}', '{target}', interval '{minutes} minutes')"
        for p, targets in DEFAULT_SLA_MINUTES.items()
        for target, minutes in targets.items()
    ]
    return "(VALUES " + ", ".join(rows) + ") AS b(priority, target, budget)"


def _event_at(hours: float) -> str:
    # an open case's steps fit between its intake and now; an ended case's take their hours
    return (
        f"CASE WHEN p.kind = 'open' THEN p.created_at + (now() - p.created_at) * {hours / 50:.4f}"
        f" ELSE p.created_at + interval '{hours * 3600:.0f} seconds' END"
    )


def load_statements(start: int, stop: int) -> list[str]:
    """Cases start+1 .. stop: everything written for them. Runs on one connection (a temporary table)."""
    s, y, ns, ny = sql_array(SURNAMES), sql_array(SYLLABLES), len(SURNAMES), len(SYLLABLES)
    spread = "((i::bigint * 2654435761) % 4294967291) / 4294967291.0"  # in [0, 1), scattered over n
    stages = sql_array(OPEN_STAGES)
    progress = "CASE stage " + " ".join(f"WHEN '{st}' THEN {n}" for st, n in PROGRESS.items()) + " END"
    steps = "(VALUES " + ", ".join(f"({k + 1}, '{t}', '{st}')" for k, (t, st, _, _) in enumerate(PATH)) + ")"
    meets = {target: k + 1 for k, (_, _, _, met) in enumerate(PATH) for target in met}
    met_step = "CASE b.target " + " ".join(f"WHEN '{t}' THEN {k}" for t, k in meets.items()) + " END"
    met_hour = "CASE b.target " + " ".join(f"WHEN '{t}' THEN {PATH[k - 1][2]}" for t, k in meets.items()) + " END"
    at = " ".join(f"WHEN {k + 1} THEN {_event_at(h)}" for k, (_, _, h, _) in enumerate(PATH))
    return [
        f"DROP TABLE IF EXISTS {PLAN}",
        f"""CREATE TEMPORARY TABLE {PLAN} AS
            SELECT i, 'RC-LOAD-' || i AS case_id, {ID_BASE} + (i + 1) / 2 AS customer_id, {ID_BASE} + i AS device_id,
                   kind, 'P' || (1 + i % 4) AS priority, 'T-00' || (1 + i % 6) AS technician_id,
                   CASE kind WHEN 'open' THEN ({stages})[1 + (i / {OPEN_EVERY}) % {len(OPEN_STAGES)}]
                             WHEN 'cancelled' THEN 'CANCELLED' ELSE 'CLOSED' END AS stage,
                   CASE kind WHEN 'open' THEN now() - {spread} * interval '15 days'
                             ELSE now() - interval '3 days' - {spread} * interval '362 days' END AS created_at
            FROM (SELECT i, CASE WHEN i % {OPEN_EVERY} = 0 THEN 'open' WHEN i % {CANCELLED_EVERY} = 1
                                 THEN 'cancelled' ELSE 'closed' END AS kind
                  FROM generate_series({start + 1}, {stop}) AS i) AS n""",
        f"""ALTER TABLE {PLAN} ADD COLUMN progress int, ADD COLUMN closed_at timestamptz""",
        f"""UPDATE {PLAN} SET
              progress = CASE kind WHEN 'open' THEN {progress} WHEN 'cancelled' THEN 3 ELSE {len(PATH)} END,
              closed_at = CASE kind WHEN 'closed' THEN created_at + interval '48 hours'
                                    WHEN 'cancelled' THEN created_at + interval '6 hours' END""",
        f"""INSERT INTO customers (id, phone, phone_digits, name, locale, tier, preferred_channels)
            SELECT c, '+86 ' || ({MOBILE_BASE} + c)::text, ({MOBILE_BASE} + c)::text,
                   ({s})[1 + c % {ns}] || ' '
                   || initcap(({y})[1 + (c / {ns}) % {ny}] || ({y})[1 + (c / {ns * ny}) % {ny}]),
                   'zh-CN', 'standard', '["sms"]'
            FROM (SELECT DISTINCT customer_id AS c FROM {PLAN}) AS u
            ON CONFLICT (id) DO NOTHING""",
        f"""INSERT INTO devices (id, serial_number, category, model, purchase_date)
            SELECT device_id, 'SN-' || upper(to_hex(i * 2654435761 % 4294967291)) || '-' || i,
                   (ARRAY['washer', 'fridge', 'tv'])[1 + i % 3], 'XQG100', DATE '2024-01-10'
            FROM {PLAN}""",
        f"""INSERT INTO cases (case_id, customer_id, device_id, channel, stage, status, priority, warranty,
                               service_mode, technician_id, region, escalation_level, sla_breached, intake,
                               created_at, updated_at, closed_at)
            SELECT case_id, customer_id, device_id, (ARRAY['phone', 'web', 'app'])[1 + i % 3], stage,
                   CASE kind WHEN 'open' THEN 'open' ELSE kind END, priority, 'out_of_warranty', 'on_site',
                   CASE WHEN progress >= 3 THEN technician_id END, 'Region-' || (i % 3), 0, false,
                   jsonb_build_object('channel', 'phone',
                                      'fault', jsonb_build_object('description', 'Drum does not spin',
                                                                  'safety_hazard', false)),
                   created_at, coalesce(closed_at, created_at), closed_at
            FROM {PLAN}""",
        f"""INSERT INTO timeline_events (case_id, key, at, type, stage, actor, data)
            SELECT p.case_id, e.type || '-1', CASE e.k {at} END, e.type, e.stage, 'system', '{{}}'
            FROM {PLAN} AS p JOIN {steps} AS e(k, type, stage) ON e.k <= p.progress""",
        f"""INSERT INTO timeline_events (case_id, key, at, type, stage, actor, data)
            SELECT case_id, t.type || '-1', created_at + t.after, t.type, t.stage, 'agent:bench', '{{}}'
            FROM {PLAN}, (VALUES ('cancelled', 'REVIEW', interval '5 hours'),
                                 ('reviewed', 'CANCELLED', interval '6 hours')) AS t(type, stage, after)
            WHERE kind = 'cancelled'""",
        f"""INSERT INTO sla_targets (case_id, target, deadline, met_at, breached_at, policy, calendar, started_at,
                                     budget_seconds, warn_at, escalate_at, level)
            SELECT p.case_id, b.target, p.created_at + b.budget,
                   m.met_at, CASE WHEN coalesce(m.met_at, p.closed_at, now()) > p.created_at + b.budget
                                  THEN p.created_at + b.budget END,
                   p.priority, '24x7', p.created_at, extract(epoch FROM b.budget),
                   p.created_at + b.budget * 0.75, p.created_at + b.budget * 1.5,
                   (coalesce(m.met_at, p.closed_at, now()) > p.created_at + b.budget * 0.75)::int
                   + (coalesce(m.met_at, p.closed_at, now()) > p.created_at + b.budget)::int
                   + (coalesce(m.met_at, p.closed_at, now()) > p.created_at + b.budget * 1.5)::int
            FROM {PLAN} AS p JOIN {_budgets()} ON b.priority = p.priority,
                 LATERAL (SELECT CASE WHEN p.progress >= {met_step}
                                      THEN CASE WHEN p.kind = 'open'
                                                THEN p.created_at + (now() - p.created_at) * ({met_hour}) / 50
                                                ELSE p.created_at + ({met_hour}) * interval '1 hour' END
                                 END AS met_at) AS m""",
        f"""INSERT INTO escalations (case_id, key, kind, target, level, detail, at)
            SELECT t.case_id, 'sla_breach_' || t.target || '-1', 'sla_breach', t.target, 2, '{{}}', t.breached_at
            FROM sla_targets AS t JOIN {PLAN} AS p ON p.case_id = t.case_id WHERE t.breached_at IS NOT NULL""",
        # the case's level and breach flag from its clocks (models.sla.case_escalation)
        f"""UPDATE cases AS c SET escalation_level = x.level, sla_breached = x.breached
            FROM (SELECT t.case_id, coalesce(max(t.level) FILTER (WHERE t.met_at IS NULL
                                                                   OR t.breached_at IS NOT NULL), 0) AS level,
                         bool_or(t.breached_at IS NOT NULL) AS breached
                  FROM sla_targets AS t JOIN {PLAN} AS p ON p.case_id = t.case_id GROUP BY t.case_id) AS x
            WHERE c.case_id = x.case_id AND (x.level > 0 OR x.breached)""",
        f"""INSERT INTO handovers (case_id, seq, actor, at, accepted, repaired, signed_by)
            SELECT case_id, 1, 'agent:bench', created_at + interval '{HOUR_OF["handover_accepted"]} hours',
                   true, true, 'Customer'
            FROM {PLAN} WHERE progress >= {PROGRESS["CALLBACK"]}""",
        f"""INSERT INTO callbacks (case_id, seq, actor, at, outcome, csat, nps, ces, attitude, professionalism)
            SELECT case_id, 1, 'agent:bench', created_at + interval '{HOUR_OF["callback_reached"]} hours', 'reached',
                   1 + i % 5, i % 11, 1 + i % 7, 1 + (i / 3) % 5, 1 + (i / 7) % 5
            FROM {PLAN} WHERE kind = 'closed'""",
        f"""INSERT INTO reviews (case_id, outcome, first_time_fix, sla_met, csat, nps, metrics, at)
            SELECT p.case_id, p.kind, CASE WHEN p.kind = 'closed' THEN i % 7 <> 0 END, NOT c.sla_breached,
                   CASE WHEN p.kind = 'closed' THEN 1 + i % 5 END, CASE WHEN p.kind = 'closed' THEN i % 11 END,
                   '{{}}', p.closed_at
            FROM {PLAN} AS p JOIN cases AS c ON c.case_id = p.case_id WHERE p.kind <> 'open'""",
        FACTS.format(only=f"AND c.case_id IN (SELECT case_id FROM {PLAN})"),
        f"DROP TABLE {PLAN}",
        "VACUUM ANALYZE",  # as autovacuum would have after a day of such intake
    ]
