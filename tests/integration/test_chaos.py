"""The chaos run of `make chaos`, small: cases driven over HTTP through their lifecycle
while workers are SIGKILLed (one inside a Temporal outage), the Temporal dev server and
PostgreSQL restarted; nothing lost, nothing written twice, no 5xx but 503, no 409 after
a retry, every process back by itself. It starts its own servers and processes
(chaos/), not the session's. And the judge of the run, on a database made up to show
each kind of fault."""

from collections import Counter

from chaos.checks import Recorded, judge
from chaos.driver import CaseRun
from chaos.paths import FULL, REMOTE, serial
from chaos.plan import SMALL
from chaos.run import run


async def test_a_small_chaos_run_loses_and_duplicates_nothing(tmp_path):
    outcome = await run(SMALL, tmp_path)
    report = "\n".join(outcome.report())

    faults = outcome.faults
    assert faults.kills >= 2 and faults.temporal_restarts == 1 and faults.postgres_restarts == 1, report
    assert outcome.verdict.closed == SMALL.total_cases, report
    assert (outcome.lost, outcome.duplicated) == (0, 0), report
    assert outcome.tally.unexpected_5xx == 0, report
    assert outcome.tally.conflicts_after_retry == 0, report
    assert outcome.problems == [], report


def test_the_judge_counts_every_loss_and_every_duplicate():
    cases = [CaseRun(n, path, started=True) for n, path in enumerate([FULL, FULL, REMOTE, FULL, FULL])]
    cases.append(CaseRun(5, FULL))  # never started: not judged
    whole = {t: 1 for t in FULL.templates}
    recorded = Recorded(
        cases={
            serial("r", 0): [("C0", "CLOSED")],
            serial("r", 1): [("C1", "CLOSED"), ("C1b", "CLOSED")],  # one intake, two cases
            serial("r", 2): [("C2", "CLOSED")],
            serial("r", 3): [("C3", "REPAIR")],  # stuck
            # case 4: never recorded
        },
        events={
            "C0": FULL.events + Counter({"sla_warn": 1}),  # the clock's own events are not counted
            "C1": FULL.events + Counter({"repaired": 1}),  # a retried repair written twice
            "C2": REMOTE.events - Counter({"remote_resolved": 1}),
            "C3": Counter({"case_created": 1, "triaged": 1, "technician_assigned": 1, "diagnosed": 1}),
        },
        messages={
            "C0": Counter(whole),
            "C1": Counter(whole) + Counter({"closed": 1}),
            "C2": Counter({"accepted": 1, "closed": 1}),
            "C3": Counter({"accepted": 1, "technician_assigned": 1}),
        },
    )

    verdict = judge("r", cases, recorded)

    assert (verdict.cases, verdict.not_started, verdict.closed, verdict.not_closed) == (5, 1, 3, 2)
    assert (verdict.extra_cases, verdict.extra_events, verdict.extra_messages) == (1, 1, 1)
    full = FULL.events.total()
    assert verdict.missing_events == 1 + (full - 4) + full
    assert verdict.missing_messages == (len(FULL.templates) - 2) + len(FULL.templates)
    assert verdict.lost == 2 + verdict.missing_events + verdict.missing_messages
    assert verdict.duplicated == 3
