"""Sans-I/O evaluation of automations: which fire for a state change, message, sentence, timer or clock tick.

Time is always passed in (`now`, epoch seconds), so the hub and the tests drive it alike.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from devices.automations import model as m
from devices.automations.parse import normalize_sentence
from devices.automations.schedule import (
    Location,
    next_sun,
    next_time_of_day,
    seconds_of_day,
    sun_on_local_day,
)

StateLookup = Callable[[str], Mapping[str, Any]]
Key = tuple[str, int]  # (automation id, trigger index)


@dataclass(frozen=True, slots=True)
class Fire:
    """An automation to run, and what triggered it (for templates and the history)."""

    automation: m.Automation
    trigger: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Pending:
    """A state trigger with `for:` waiting for its deadline while the value holds."""

    deadline: float
    value: Any
    fire: Fire


def same(expected: Any, actual: Any) -> bool:
    """Whether two state values mean the same: `on`, `ON`, true (YAML reads ON as true) all match."""
    return bool(_canon(expected) == _canon(actual))


def _canon(value: Any) -> Any:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, str):
        text = value.strip().casefold()
        return {"true": "on", "false": "off"}.get(text, text)
    return value


def topic_matches(topic_filter: str, topic: str) -> bool:
    """MQTT filter matching with `+` (one level) and `#` (the rest)."""
    parts, levels = topic_filter.split("/"), topic.split("/")
    for index, part in enumerate(parts):
        if part == "#":
            return True
        if index >= len(levels) or (part != "+" and part != levels[index]):
            return False
    return len(parts) == len(levels)


class Engine:
    """The automations of a home with their schedules, pending `for:` waits and last seen device states."""

    def __init__(
        self, automations: m.AutomationSet, now: float, states: Mapping[str, Mapping[str, Any]]
    ) -> None:
        self.automations = automations
        self.location = automations.location
        self.snapshot: dict[str, dict[str, Any]] = {k: dict(v) for k, v in states.items()}
        self.pending: dict[Key, Pending] = {}
        self.schedule: dict[Key, float] = {}
        self._by_device: dict[str, list[tuple[m.Automation, int, m.StateTrigger]]] = {}
        self._mqtt: list[tuple[m.Automation, int, m.MqttTrigger]] = []
        self._sentences: dict[str, tuple[m.Automation, m.SentenceTrigger]] = {}
        self._timed: dict[Key, tuple[m.Automation, m.ScheduledTrigger]] = {}
        self._others: list[tuple[m.Automation, m.Trigger]] = []
        self._wait_topics: set[str] = set()
        for automation in automations.automations:
            for index, trigger in enumerate(automation.triggers):
                self._index(automation, index, trigger, now)
            for step in automation.actions:
                if isinstance(step, m.WaitAction) and isinstance(step.trigger, m.MqttTrigger):
                    self._wait_topics.add(step.trigger.topic)

    def _index(self, automation: m.Automation, index: int, trigger: m.Trigger, now: float) -> None:
        if isinstance(trigger, m.StateTrigger):
            self._by_device.setdefault(trigger.device, []).append((automation, index, trigger))
        elif isinstance(trigger, m.MqttTrigger):
            self._mqtt.append((automation, index, trigger))
        elif isinstance(trigger, m.SentenceTrigger):
            for sentence in trigger.sentences:
                self._sentences[sentence] = (automation, trigger)
        elif isinstance(trigger, m.TimeTrigger | m.CronTrigger | m.SunTrigger):
            key = (automation.id, index)
            self._timed[key] = (automation, trigger)
            at = self._next(trigger, now)
            if at is not None:
                self.schedule[key] = at
        else:
            self._others.append((automation, trigger))

    @property
    def mqtt_filters(self) -> list[str]:
        """Topic filters the raw MQTT triggers and waits listen to."""
        return sorted({t.topic for _, _, t in self._mqtt} | self._wait_topics)

    def adopt(self, old: Engine) -> None:
        """Keep the pending `for:` waits of automations that did not change in a reload."""
        for key, pending in old.pending.items():
            mine = self.automations.get(key[0])
            if mine is not None and mine == pending.fire.automation:
                self.pending[key] = Pending(pending.deadline, pending.value, Fire(mine, pending.fire.trigger))

    # --- inputs -------------------------------------------------------------------------------------------

    def on_state(self, device: str, state: Mapping[str, Any], now: float) -> list[Fire]:
        """Triggers fired by a device's new (merged) state; starts or cancels `for:` waits."""
        before = self.snapshot.get(device, {})
        self.snapshot[device] = dict(state)
        fires: list[Fire] = []
        for automation, index, trigger in self._by_device.get(device, ()):
            old, new = before.get(trigger.attribute), state.get(trigger.attribute)
            key = (automation.id, index)
            waiting = self.pending.get(key)
            if waiting is not None and not same(waiting.value, new):
                del self.pending[key]  # it changed back before the time was up
            if not state_matches(trigger, old, new):
                continue
            fire = Fire(automation, _state_data(automation.id, trigger, old, new))
            if trigger.hold:
                if key not in self.pending:
                    self.pending[key] = Pending(now + trigger.hold, new, fire)
            else:
                fires.append(fire)
        return fires

    def on_mqtt(self, topic: str, payload: str) -> list[Fire]:
        """Triggers fired by a raw MQTT message."""
        return [
            Fire(a, {"id": a.id, "kind": "mqtt", "topic": topic, "payload": payload})
            for a, _, t in self._mqtt
            if topic_matches(t.topic, topic) and (t.payload is None or t.payload == payload.strip())
        ]

    def on_sentence(self, text: str) -> tuple[m.Automation, m.SentenceTrigger] | None:
        """The automation a spoken or typed sentence runs, if any."""
        return self._sentences.get(normalize_sentence(text))

    def on_timer(self, name: str | None) -> list[Fire]:
        """Triggers fired by a finished timer."""
        return [
            Fire(a, {"id": a.id, "kind": "timer", "timer": name})
            for a, t in self._others
            if isinstance(t, m.TimerTrigger) and (t.name is None or t.name == name)
        ]

    def on_start(self) -> list[Fire]:
        """Triggers fired when the hub starts."""
        return [
            Fire(a, {"id": a.id, "kind": "start"}) for a, t in self._others if isinstance(t, m.StartTrigger)
        ]

    # --- time ---------------------------------------------------------------------------------------------

    def next_deadline(self) -> float | None:
        """When `due` next has something to fire."""
        times = [*self.schedule.values(), *(p.deadline for p in self.pending.values())]
        return min(times, default=None)

    def due(self, now: float) -> list[Fire]:
        """Fire the schedules and `for:` waits whose time has come, and plan the next ones."""
        fires: list[Fire] = []
        for key, pending in sorted(self.pending.items(), key=lambda kv: kv[1].deadline):
            if pending.deadline <= now:
                del self.pending[key]
                fires.append(pending.fire)
        for key, at in list(self.schedule.items()):
            if at > now:
                continue
            automation, trigger = self._timed[key]
            if not isinstance(trigger, m.TimeTrigger) or _weekday_ok(trigger.weekdays, at):
                fires.append(Fire(automation, _time_data(automation.id, trigger, at)))
            following = self._next(trigger, max(now, at))
            if following is None:
                del self.schedule[key]
            else:
                self.schedule[key] = following
        return fires

    def _next(self, trigger: m.ScheduledTrigger, now: float) -> float | None:
        if isinstance(trigger, m.TimeTrigger):
            return next_time_of_day(trigger.at, now)
        if isinstance(trigger, m.CronTrigger):
            return trigger.cron.next_after(now)
        if self.location is None:
            return None
        return next_sun(now, self.location, trigger.event, trigger.offset)


def state_matches(trigger: m.StateTrigger, old: Any, new: Any) -> bool:
    """Whether a change of the trigger's attribute from `old` to `new` fires it."""
    if new is None or same(old, new):
        return False
    if trigger.from_ is not None and not any(same(v, old) for v in trigger.from_):
        return False
    return trigger.to is None or any(same(v, new) for v in trigger.to)


def _state_data(ident: str, trigger: m.StateTrigger, old: Any, new: Any) -> dict[str, Any]:
    return {
        "id": ident,
        "kind": "device",
        "device": trigger.device,
        "attribute": trigger.attribute,
        "from": old,
        "to": new,
    }


def _time_data(ident: str, trigger: m.ScheduledTrigger, at: float) -> dict[str, Any]:
    kind = (
        "time"
        if isinstance(trigger, m.TimeTrigger)
        else "cron"
        if isinstance(trigger, m.CronTrigger)
        else "sun"
    )
    return {"id": ident, "kind": kind, "at": datetime.fromtimestamp(at).isoformat(timespec="seconds")}


def _weekday_ok(weekdays: frozenset[int] | None, at: float) -> bool:
    return weekdays is None or datetime.fromtimestamp(at).isoweekday() % 7 in weekdays


# --- conditions ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Checked:
    """The outcome of the conditions of a run, one line per top-level condition."""

    ok: bool = True
    results: list[dict[str, Any]] = field(default_factory=list)


def check(
    conditions: Iterable[m.Condition], states: StateLookup, now: float, location: Location | None
) -> Checked:
    """Evaluate conditions in order, stopping at the first that fails."""
    checked = Checked()
    for condition in conditions:
        ok = holds(condition, states, now, location)
        checked.results.append({"condition": describe(condition), "ok": ok})
        if not ok:
            checked.ok = False
            break
    return checked


def holds(condition: m.Condition, states: StateLookup, now: float, location: Location | None) -> bool:
    """Whether one condition (possibly nested) holds."""
    if isinstance(condition, m.StateCondition):
        value = states(condition.device).get(condition.attribute)
        return value is not None and any(same(v, value) for v in condition.values)
    if isinstance(condition, m.NumericCondition):
        return _numeric(condition, states(condition.device).get(condition.attribute))
    if isinstance(condition, m.TimeCondition):
        return in_window(condition, now, location)
    parts = (holds(c, states, now, location) for c in condition.conditions)
    if isinstance(condition, m.AllOf):
        return all(parts)
    if isinstance(condition, m.AnyOf):
        return any(parts)
    return not any(parts)


def _numeric(condition: m.NumericCondition, value: Any) -> bool:
    if isinstance(value, bool):
        return False
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    if condition.above is not None and not number > condition.above:
        return False
    return condition.below is None or number < condition.below


def in_window(condition: m.TimeCondition, now: float, location: Location | None) -> bool:
    """Whether local time is in [after, before), a window that wraps midnight when after > before."""
    if not _weekday_ok(condition.weekdays, now):
        return False
    t = seconds_of_day(now)
    after = _point(condition.after, now, location)
    before = _point(condition.before, now, location)
    if after is None and before is None:
        return True
    if after is None:
        return t < (before or 0)
    if before is None:
        return t >= after
    return after <= t < before if after <= before else t >= after or t < before


def _point(point: m.TimePoint | None, now: float, location: Location | None) -> float | None:
    if point is None:
        return None
    if point.sun is None:
        return float(point.seconds or 0)
    at = None if location is None else sun_on_local_day(now, location, point.sun)
    if at is None:  # no sunrise or sunset today (polar): the sun point sits at midnight
        return 0.0
    return seconds_of_day(at + point.offset)


def describe(condition: m.Condition) -> str:
    """A short human description of a condition, for the history."""
    if isinstance(condition, m.StateCondition):
        return f"{condition.device}.{condition.attribute} in {list(condition.values)}"
    if isinstance(condition, m.NumericCondition):
        bounds = [f"> {condition.above:g}"] if condition.above is not None else []
        bounds += [f"< {condition.below:g}"] if condition.below is not None else []
        return f"{condition.device}.{condition.attribute} {' and '.join(bounds)}"
    if isinstance(condition, m.TimeCondition):
        parts = [f"after {condition.after.describe()}"] if condition.after else []
        parts += [f"before {condition.before.describe()}"] if condition.before else []
        parts += ["on " + ",".join(str(d) for d in sorted(condition.weekdays))] if condition.weekdays else []
        return "time " + " ".join(parts)
    word = {m.AllOf: "and", m.AnyOf: "or", m.NoneOf: "not"}[type(condition)]
    return f"{word}(" + "; ".join(describe(c) for c in condition.conditions) + ")"


class LoopGuard:
    """Stops an automation that runs more than `limit` times within `window` seconds (it triggers itself)."""

    def __init__(self, limit: int = 10, window: float = 1.0) -> None:
        self.limit = limit
        self.window = window
        self._starts: dict[str, deque[float]] = {}

    def allow(self, automation_id: str, now: float) -> bool:
        """Record a run start; False when it is one too many."""
        starts = self._starts.setdefault(automation_id, deque())
        while starts and starts[0] <= now - self.window:
            starts.popleft()
        starts.append(now)
        return len(starts) <= self.limit

    def forget(self, automation_id: str) -> None:
        """Start counting afresh (after a reload)."""
        self._starts.pop(automation_id, None)
