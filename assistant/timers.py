"""Timers on the hub: start, cancel and report them for a client, and announce them when they are done."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from devices.timers import Timer, TimerBook, spoken_duration
from intents.document import IntentData
from intents.model import IntentMatch
from intents.responses import render, response_template

from .events import Announce, Event, TimerEvent

TIMER_INTENTS = frozenset({"start_timer", "cancel_timer", "timer_status"})
Notify = Callable[[str, Event], None]  # (owner client, event): the hub delivers it


def label(timer: Timer | None, name: str | None = None) -> str:
    """ "your pasta timer" or "your timer"."""
    name = timer.name if timer is not None else name
    return f"your {name} timer" if name else "your timer"


def timer_event(timer: Timer, state: str, now: float) -> TimerEvent:
    """The wire event for a timer's change."""
    return TimerEvent(
        timer=timer.id,
        name=timer.name,
        state=state,
        duration=timer.duration,
        remaining=round(timer.remaining(now), 1),
    )


class TimerService:
    """Owns the running timers of a hub; `notify` sends an event to the client that set a timer."""

    def __init__(self, data: IntentData, notify: Notify, *, clock: Callable[[], float] = time.time) -> None:
        self.book = TimerBook()
        self.data = data
        self.notify = notify
        self.clock = clock
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin announcing due timers."""
        self._task = asyncio.create_task(self._announcer())

    async def stop(self) -> None:
        """Stop announcing (running timers are dropped with the hub)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def handle(self, match: IntentMatch, owner: str, data: IntentData) -> str:
        """Carry out a timer intent for `owner` and return the reply."""
        name = match.slots["timer_name"].value if "timer_name" in match.slots else None
        now = self.clock()
        if match.intent == "start_timer":
            seconds = match.slots["duration"].value if "duration" in match.slots else 0
            timer = self.book.start(owner, name, float(seconds), now)
            self.notify(owner, timer_event(timer, "started", now))
            self._changed.set()
            return self._say("start_timer", "success", timer=label(timer), duration=spoken_duration(seconds))
        timers = self.book.find(owner, name)
        if not timers:
            return self._say(match.intent, "none")
        if match.intent == "cancel_timer":
            chosen = timers if "all" in match.slots or name else timers[:1]
            self.book.cancel(chosen)
            for timer in chosen:
                self.notify(owner, timer_event(timer, "cancelled", now))
            self._changed.set()
            what = "all your timers" if len(chosen) > 1 else label(chosen[0])
            return self._say("cancel_timer", "success", timer=what)
        return " ".join(
            self._say("timer_status", "success", timer=label(t), remaining=spoken_duration(t.remaining(now)))
            for t in timers
        )

    def _say(self, intent: str, outcome: str, **values: str) -> str:
        return render(response_template(self.data, intent, outcome), values)

    async def _announcer(self) -> None:
        while True:
            deadline = self.book.next_deadline()
            self._changed.clear()
            delay = None if deadline is None else max(0.0, deadline - self.clock())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), delay)
            now = self.clock()
            for timer in self.book.due(now):
                self.notify(timer.owner, timer_event(timer, "finished", now))
                text = self._say("start_timer", "finished", timer=label(timer))
                self.notify(timer.owner, Announce(text=text[:1].upper() + text[1:]))
