"""Kitchen timers, sans-I/O: start, cancel, ask how long is left, and collect the ones that are due."""

from __future__ import annotations

import itertools
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Timer:
    """A running timer; `owner` is the client that set it (it hears the announcement)."""

    id: int
    owner: str
    name: str | None
    duration: float
    deadline: float

    def remaining(self, now: float) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.deadline - now)


class TimerBook:
    """All running timers of a hub; time is passed in, so tests and the hub share one clock."""

    def __init__(self) -> None:
        self._timers: dict[int, Timer] = {}
        self._ids = itertools.count(1)

    def start(self, owner: str, name: str | None, seconds: float, now: float) -> Timer:
        """Start a timer; a running timer of the same owner and name is replaced."""
        if seconds <= 0:
            raise ValueError("a timer needs a positive duration")
        for old in self.find(owner, name) if name else []:
            del self._timers[old.id]
        timer = Timer(next(self._ids), owner, name, seconds, now + seconds)
        self._timers[timer.id] = timer
        return timer

    def find(self, owner: str, name: str | None = None) -> list[Timer]:
        """The owner's timers, soonest first; only those with `name` when given."""
        found = [t for t in self._timers.values() if t.owner == owner and (name is None or t.name == name)]
        return sorted(found, key=lambda t: t.deadline)

    def cancel(self, timers: list[Timer]) -> None:
        """Stop these timers."""
        for timer in timers:
            self._timers.pop(timer.id, None)

    def due(self, now: float) -> list[Timer]:
        """Remove and return the timers whose time has come, in order."""
        ready = sorted((t for t in self._timers.values() if t.deadline <= now), key=lambda t: t.deadline)
        for timer in ready:
            del self._timers[timer.id]
        return ready

    def next_deadline(self) -> float | None:
        """When the next timer is due, if any."""
        return min((t.deadline for t in self._timers.values()), default=None)


def spoken_duration(seconds: float) -> str:
    """ "1 hour 30 minutes", "10 minutes", "45 seconds": how a person would say a duration."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    for value, unit in ((hours, "hour"), (minutes, "minute"), (secs, "second")):
        if value:
            parts.append(f"{value} {unit}{'' if value == 1 else 's'}")
    return " ".join(parts) if parts else "0 seconds"
