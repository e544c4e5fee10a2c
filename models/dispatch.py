"""Choosing a technician for a case: active in the case's region, skilled in its product
category, under their capacity, the least loaded, with cases of a higher priority (or
waiting longer) served first. Pure."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Candidate:
    technician_id: str
    name: str
    skills: frozenset[str]
    capacity: int
    load: int  # open cases assigned to them


@dataclass(frozen=True)
class Choice:
    technician_id: str | None
    reasons: list[str] = field(default_factory=list)


def choose(candidates: list[Candidate], category: str, region: str, ahead: dict[str, int]) -> Choice:
    """`ahead`: by product category, the cases of the region that go before this one."""
    if not candidates:
        return Choice(None, [f"no active technician serves {region}"])
    skilled = [c for c in candidates if category in c.skills]
    if not skilled:
        return Choice(None, [f"none of the {len(candidates)} technicians of {region} repairs {category}"])
    free = [c for c in skilled if c.load < c.capacity]
    if not free:
        loads = ", ".join(f"{c.technician_id} {c.load}/{c.capacity}" for c in skilled)
        return Choice(None, [f"every {category} technician of {region} is at capacity ({loads})"])
    places = sum(c.capacity - c.load for c in free)
    # a case ahead that one of these technicians could take competes for the same places
    waiting = sum(n for other, n in ahead.items() if any(other in c.skills for c in free))
    if waiting >= places:
        return Choice(
            None, [f"{waiting} case(s) of a higher priority or waiting longer go first for {places} place(s)"]
        )
    best = min(free, key=lambda c: (c.load, -c.capacity, c.technician_id))
    return Choice(
        best.technician_id,
        [
            f"{best.technician_id} ({best.name}) repairs {category} in {region}",
            f"load {best.load} of {best.capacity}: the least of {len(free)} free among {len(skilled)} skilled",
        ],
    )
