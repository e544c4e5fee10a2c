"""Spare parts stock: what is free to reserve, the order waiting cases are served in, and
which parts fit which product. Pure."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from models.domain import PartQty, Priority

# the case workflow's signal, sent when stock freed or received completes its reservations
PARTS_ARRIVED = "parts_arrived"
# PartQty's limit: a line of more (a part named twice in a quote) is told in pieces of at most this
MAX_PER_LINE = 100


class ReservationStatus(StrEnum):
    WAITING = "waiting"  # no stock for it yet: in the queue
    RESERVED = "reserved"  # held on the shelf for the case
    CONSUMED = "consumed"  # the repair used it (some of it: `used`)
    RELEASED = "released"  # given back: cancelled, declined, a new quote, or not used


ACTIVE = (ReservationStatus.WAITING, ReservationStatus.RESERVED)


class MovementKind(StrEnum):
    RECEIPT = "receipt"
    ADJUSTMENT = "adjustment"
    CONSUMPTION = "consumption"


def available(on_hand: int, reserved: int) -> int:
    """What a new reservation may take: on the shelf and not held for a case."""
    if not 0 <= reserved <= on_hand:
        raise ValueError(f"stock out of bounds: {reserved} reserved of {on_hand} on hand")
    return on_hand - reserved


@dataclass(frozen=True)
class Need:
    """One reservation line waiting for stock."""

    id: int
    quantity: int
    priority: Priority
    deadline: datetime
    created_at: datetime


def queue_key(need: Need) -> tuple[int, datetime, datetime, int]:
    """P1 first, then the earliest deadline, then the oldest line (the id breaks ties)."""
    return list(Priority).index(need.priority), need.deadline, need.created_at, need.id


def serve(free: int, waiting: Iterable[Need]) -> list[Need]:
    """The lines `free` units serve, in queue order, each whole or not at all. The first line
    that does not fit stops the queue: otherwise a P1 case needing two would be passed over
    by later cases needing one each, every time a single unit comes in."""
    served = []
    for need in sorted(waiting, key=queue_key):
        if need.quantity > free:
            break
        served.append(need)
        free -= need.quantity
    return served


def merged(parts: Iterable[PartQty]) -> dict[str, int]:
    """Quantities per part number, in the order the parts first appear."""
    total: dict[str, int] = {}
    for part in parts:
        total[part.part_number] = total.get(part.part_number, 0) + part.quantity
    return total


def pieces(part_number: str, quantity: int) -> list[PartQty]:
    """A quantity as PartQty items, each within PartQty's limit."""
    whole, rest = divmod(quantity, MAX_PER_LINE)
    sizes = [MAX_PER_LINE] * whole + ([rest] if rest else [])
    return [PartQty(part_number=part_number, quantity=n) for n in sizes]


def fits(part_category: str, product_category: str) -> bool:
    """A part serves a product of its own catalog category only."""
    return part_category == product_category
