"""What a chaos run found, and how it says so: a few lines of report, then the last line
`chaos: N cases, K kills, R restarts, lost L, duplicated D`. The run passes when nothing
is lost or duplicated and nothing else went wrong (`problems`)."""

from dataclasses import dataclass

from chaos.apps import Crash
from chaos.checks import Verdict
from chaos.client import Tally
from chaos.faults import FaultLog
from chaos.plan import Plan


@dataclass
class Outcome:
    plan: Plan
    verdict: Verdict
    tally: Tally
    faults: FaultLog
    crashes: list[Crash]

    @property
    def lost(self) -> int:
        return self.verdict.lost

    @property
    def duplicated(self) -> int:
        return self.verdict.duplicated

    @property
    def problems(self) -> list[str]:
        """What fails the run besides a loss or a duplicate."""
        tally, faults, plan = self.tally, self.faults, self.plan
        problems = [f"{tally.unexpected_5xx} answers 5xx other than 503"] if tally.unexpected_5xx else []
        if tally.conflicts_after_retry:
            problems.append(f"{tally.conflicts_after_retry} answers 409 after a retry")
        if tally.conflicts_first_try:
            problems.append(f"{tally.conflicts_first_try} answers 409 on a first try")
        if tally.wrong_stage:
            problems.append(f"{tally.wrong_stage} answers showed a stage other than the one their action leads to")
        problems += [f"{c.name} (pid {c.pid}) exited by itself with code {c.code}, see {c.log}" for c in self.crashes]
        problems += faults.findings
        if self.verdict.not_started:
            problems.append(
                f"{self.verdict.not_started} of the {plan.total_cases} cases planned did not start: the drive ran "
                f"out of its {plan.time_limit:.0f} s (a slow or busy machine?)"
            )
        done = (faults.kills, faults.temporal_restarts, faults.postgres_restarts)
        planned = (plan.worker_kills, plan.temporal_restarts, plan.postgres_restarts)
        if done != planned:
            problems.append(f"faults done (kills, Temporal, PostgreSQL) {done}, planned {planned}")
        return problems

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.duplicated == 0 and not self.problems

    def last_line(self) -> str:
        return (
            f"chaos: {self.verdict.cases} cases, {self.faults.kills} kills, {self.faults.restarts} restarts, "
            f"lost {self.lost}, duplicated {self.duplicated}"
        )

    def report(self) -> list[str]:
        v, t, f = self.verdict, self.tally, self.faults
        answers = ", ".join(f"{answer} ×{n}" for answer, n in t.answers.most_common())
        lines = [
            f"cases: {v.closed} of {v.cases} started are CLOSED ({v.not_closed} not; {v.extra_cases} extra case rows; "
            f"{v.not_started} not started)",
            f"timelines: events missing {v.missing_events}, extra {v.extra_events}",
            f"customer messages (one per template): missing {v.missing_messages}, extra {v.extra_messages}",
            f"requests: {t.requests}, of which {t.retries} retries for {t.retried_actions} actions "
            f"({t.impatient} first tries impatient on purpose); {t.new_keys} sent again under a new key "
            "(503 not_recorded)",
            f"answers: {answers}",
            f"HTTP 5xx other than 503: {t.unexpected_5xx}",
            f"409 after a retry: {t.conflicts_after_retry} (on a first try: {t.conflicts_first_try})",
            f"answers in a stage other than their action's: {t.wrong_stage}",
            f"faults: {f.kills} worker kills, {f.temporal_restarts} Temporal restarts, "
            f"{f.postgres_restarts} PostgreSQL restarts; {len(self.crashes)} processes exited by themselves",
        ]
        lines += [f"  sample: {s}" for s in [*v.samples, *t.samples]]
        lines += [f"PROBLEM: {p}" for p in self.problems]
        return lines
