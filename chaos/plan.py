"""How big a chaos run is and what it breaks."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    cases: int = 300  # full lifecycles: intake → … → quote decision → … → CLOSED
    other_cases: int = 10  # on top: a declined quote, a remote resolution
    clients: int = 24  # concurrent HTTP clients, one case at a time each
    impatient_share: float = 0.03  # first tries that stop waiting for their answer at once, then retry
    worker_kills: int = 10
    temporal_restarts: int = 2
    postgres_restarts: int = 1
    outage_seconds: float = 2.0  # a stopped server stays down this long before it starts again
    time_limit: float = 540.0  # the whole drive, outages included; cases start in the first 85 %
    action_patience: float = 120.0  # one action's retries before its case counts as lost
    recovery_seconds: float = 60.0  # for the workers to poll and the API to be healthy after an outage
    # for the workflows of closed cases to finish after the last answer: a message whose
    # worker was killed goes out again after its activity's 60 s timeout
    settle_seconds: float = 75.0
    seed: int = 1

    @property
    def total_cases(self) -> int:
        return self.cases + self.other_cases

    @property
    def restarts(self) -> int:
        return self.temporal_restarts + self.postgres_restarts


# the run `make test` makes: every kind of fault, a few cases
SMALL = Plan(
    cases=16,
    other_cases=4,
    clients=8,
    worker_kills=2,
    temporal_restarts=1,
    postgres_restarts=1,
    time_limit=75.0,
    action_patience=60.0,
    recovery_seconds=30.0,
)
