"""Spare parts stock rules: what is free, the queue's order, serving it, and fit."""

from datetime import UTC, datetime, timedelta

import pytest

from models.domain import PartQty, Priority
from models.stock import Need, available, fits, merged, pieces, serve

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def need(id_: int, quantity: int = 1, priority: str = "P3", deadline_h: int = 24, age_h: int = 0) -> Need:
    return Need(id_, quantity, Priority(priority), T0 + timedelta(hours=deadline_h), T0 - timedelta(hours=age_h))


def test_available_is_on_hand_less_reserved():
    assert available(20, 7) == 13
    assert available(5, 5) == 0


@pytest.mark.parametrize("on_hand, reserved", [(5, 6), (-1, 0), (3, -1)])
def test_stock_out_of_bounds_is_refused(on_hand, reserved):
    with pytest.raises(ValueError):
        available(on_hand, reserved)


def test_the_queue_serves_p1_first_then_the_earliest_deadline_then_the_oldest():
    waiting = [
        need(1, priority="P4", deadline_h=1, age_h=9),
        need(2, priority="P2", deadline_h=8),
        need(3, priority="P2", deadline_h=4, age_h=1),
        need(4, priority="P2", deadline_h=4, age_h=3),
        need(5, priority="P1", deadline_h=48),
    ]
    assert [n.id for n in serve(100, waiting)] == [5, 4, 3, 2, 1]


def test_equal_lines_are_served_by_id():
    assert [n.id for n in serve(2, [need(9), need(7), need(8)])] == [7, 8]


def test_a_line_is_served_whole_or_not_at_all():
    assert serve(1, [need(1, quantity=2)]) == []
    assert [n.id for n in serve(2, [need(1, quantity=2)])] == [1]


def test_a_line_that_does_not_fit_holds_the_lines_behind_it():
    # single units go to the P1 case that needs two, not to the P4 case behind it
    waiting = [need(1, quantity=2, priority="P1"), need(2, quantity=1, priority="P4")]
    assert serve(1, waiting) == []
    assert [n.id for n in serve(3, waiting)] == [1, 2]


def test_nothing_free_serves_nobody():
    assert serve(0, [need(1)]) == []


def test_quantities_of_a_part_named_twice_are_added():
    parts = [
        PartQty(part_number="B", quantity=1),
        PartQty(part_number="A", quantity=2),
        PartQty(part_number="B", quantity=3),
    ]
    assert merged(parts) == {"B": 4, "A": 2}


def test_a_quantity_over_partqtys_limit_is_told_in_pieces():
    assert [p.quantity for p in pieces("A", 250)] == [100, 100, 50]
    assert [p.quantity for p in pieces("A", 100)] == [100]
    assert [p.quantity for p in pieces("A", 7)] == [7]


def test_a_part_fits_only_products_of_its_own_category():
    assert fits("washer", "washer")
    assert not fits("fridge", "washer")
