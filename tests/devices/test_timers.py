"""The sans-I/O timer book and how durations are said."""

from __future__ import annotations

import pytest

from devices.timers import TimerBook, spoken_duration


def test_timers_fire_in_order_and_only_when_due() -> None:
    book = TimerBook()
    pasta = book.start("kitchen", "pasta", 600, now=0)
    eggs = book.start("kitchen", "eggs", 300, now=0)
    assert book.next_deadline() == 300
    assert book.due(299) == []
    assert book.due(300) == [eggs]
    assert book.find("kitchen") == [pasta]
    assert pasta.remaining(450) == 150
    assert book.due(10_000) == [pasta] and book.next_deadline() is None


def test_same_name_replaces_and_owners_are_separate() -> None:
    book = TimerBook()
    book.start("kitchen", "tea", 60, now=0)
    newer = book.start("kitchen", "tea", 120, now=0)
    other = book.start("bedroom", "tea", 60, now=0)
    assert book.find("kitchen", "tea") == [newer]
    assert book.find("bedroom") == [other]
    book.cancel([newer])
    assert book.find("kitchen") == []


def test_a_timer_needs_a_duration() -> None:
    with pytest.raises(ValueError):
        TimerBook().start("kitchen", None, 0, now=0)


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (600, "10 minutes"),
        (5400, "1 hour 30 minutes"),
        (61, "1 minute 1 second"),
        (45, "45 seconds"),
        (0, "0 seconds"),
    ],
)
def test_spoken_duration(seconds: float, said: str) -> None:
    assert spoken_duration(seconds) == said
