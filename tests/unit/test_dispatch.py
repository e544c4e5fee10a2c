"""The choice of a technician for a case."""

from models.dispatch import Candidate, choose

WASHER = frozenset({"washer", "fridge"})


def tech(tid: str, load: int, capacity: int = 5, skills: frozenset[str] = WASHER) -> Candidate:
    return Candidate(tid, f"Tech {tid}", skills, capacity, load)


def test_the_least_loaded_skilled_technician_under_capacity_is_chosen():
    choice = choose([tech("T-1", 3), tech("T-2", 1), tech("T-3", 0, skills=frozenset({"tv"}))], "washer", "X", {})
    assert choice.technician_id == "T-2"
    assert "T-2 (Tech T-2) repairs washer in X" in choice.reasons[0] and "load 1 of 5" in choice.reasons[1]


def test_a_tie_goes_to_the_larger_capacity_then_the_id():
    assert choose([tech("T-2", 1, 5), tech("T-1", 1, 5)], "washer", "X", {}).technician_id == "T-1"
    assert choose([tech("T-1", 1, 5), tech("T-2", 1, 8)], "washer", "X", {}).technician_id == "T-2"


def test_nobody_in_the_region_nobody_skilled_nobody_free():
    assert choose([], "washer", "X", {}).technician_id is None
    nobody = choose([tech("T-1", 0, skills=frozenset({"tv"}))], "washer", "X", {})
    assert nobody.technician_id is None and "repairs washer" in nobody.reasons[0]
    full = choose([tech("T-1", 5, 5), tech("T-2", 2, 2)], "washer", "X", {})
    assert full.technician_id is None and "T-1 5/5, T-2 2/2" in full.reasons[0]


def test_cases_ahead_take_the_free_places_first():
    free = [tech("T-1", 4, 5), tech("T-2", 1, 2)]  # two places
    assert choose(free, "washer", "X", {"washer": 2}).technician_id is None
    assert choose(free, "washer", "X", {"washer": 1}).technician_id == "T-2"
    # a case ahead that none of these technicians repairs does not compete
    assert choose(free, "washer", "X", {"tv": 5}).technician_id == "T-2"
    # one of a category they also repair does
    assert choose(free, "washer", "X", {"fridge": 2}).technician_id is None
