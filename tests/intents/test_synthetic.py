"""Synthetic homes for benchmarks."""

from __future__ import annotations

from intents.synthetic import synthetic_areas, synthetic_home


def test_sizes_and_distinct_names() -> None:
    entities, areas = synthetic_home(5000)
    assert len(entities) == 5000
    assert len(areas) == 50
    assert len({e.id for e in entities}) == 5000
    assert len({e.names[0] for e in entities}) == 5000
    assert {e.area for e in entities} == {a.id for a in areas}
    assert {e.type for e in entities} >= {
        "light",
        "switch",
        "cover",
        "climate",
        "fan",
        "lock",
        "media_player",
    }


def test_deterministic_per_seed() -> None:
    assert synthetic_home(100, seed=3) == synthetic_home(100, seed=3)
    assert synthetic_home(100, seed=3) != synthetic_home(100, seed=4)


def test_small_homes() -> None:
    entities, areas = synthetic_home(3)
    assert len(entities) == 3 and len(areas) == 3
    assert synthetic_home(0) == ([], synthetic_areas(1))
    assert len({a.id for a in synthetic_areas(50)}) == 50
