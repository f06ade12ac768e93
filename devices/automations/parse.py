"""Validation of automations.yaml (parsed to plain data) into frozen automations, each problem at its path."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from devices.automations import model as m
from devices.automations.schedule import (
    WEEKDAYS,
    Cron,
    Location,
    parse_duration,
    parse_time_of_day,
)
from devices.automations.templates import Template, parse_template
from devices.errors import CommandError, Path
from devices.model import SUPPORTED_ACTIONS, Action, Command, DeviceType
from devices.protocols import command_values

AUTOMATION_KEYS = ("id", "description", "mode", "triggers", "conditions", "actions")
_ID_RE = re.compile(r"[a-z0-9_\-]+")
Problems = list[tuple[Path, str]]
T = TypeVar("T")


class AutomationConfigError(Exception):
    """automations.yaml is invalid: `problems` lists every (path from the root, message)."""

    code = "config-invalid"

    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        super().__init__("; ".join(message for _, message in problems))


@dataclass(frozen=True, slots=True)
class Home:
    """What automations may refer to: device types by id, area ids, client names, the location."""

    devices: Mapping[str, DeviceType]
    device_areas: Mapping[str, str | None]
    areas: frozenset[str] = frozenset()
    clients: frozenset[str] = frozenset()
    location: Location | None = None


def normalize_sentence(text: str) -> str:
    """Lower case, punctuation dropped, single spaces: how sentences are compared."""
    return " ".join(re.sub(r"[^\w\s]", "", text.casefold()).split())


def parse_automations(data: object, home: Home) -> m.AutomationSet:
    """Validate the parsed YAML of automations.yaml; raises AutomationConfigError listing every problem."""
    if data is None:
        return m.AutomationSet(location=home.location)
    p = _Parser(home)
    if not isinstance(data, list):
        raise AutomationConfigError(
            [((), "must be a list of automations (- id: ..., triggers: ..., actions: ...)")]
        )
    automations = [a for i, item in enumerate(data) if (a := p.automation(item, (i,))) is not None]
    ids = [a.id for a in automations]
    for index, item in enumerate(data):
        if isinstance(item, dict) and ids.count(str(item.get("id"))) > 1:
            p.add((index, "id"), f"duplicate automation id {item.get('id')!r}")
    p.check_runs(automations)
    if p.problems:
        raise AutomationConfigError(p.problems)
    return m.AutomationSet(tuple(automations), home.location)


class _Parser:
    """Collects problems while reading automations."""

    def __init__(self, home: Home) -> None:
        self.home = home
        self.problems: Problems = []
        self._sentences: dict[str, str] = {}
        self.indexes: dict[str, int | str] = {}  # automation id -> its position in the file

    def add(self, path: Path, message: str) -> None:
        self.problems.append((path, message))

    def keys(self, raw: Mapping[Any, Any], path: Path, valid: tuple[str, ...]) -> None:
        for key in raw:
            if key not in valid:
                close = difflib.get_close_matches(str(key), valid, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f"; valid keys: {', '.join(valid)}"
                self.add((*path, str(key)), f"unknown key {key!r}{hint}")

    def mapping(self, raw: Any, path: Path, what: str) -> dict[str, Any] | None:
        if not isinstance(raw, dict):
            self.add(path, f"{what} must be a mapping, got {type(raw).__name__}")
            return None
        return raw

    def attempt(self, path: Path, parse: Callable[[], T]) -> T | None:
        """Run a parser of one value, reporting its ValueError at `path`."""
        try:
            return parse()
        except ValueError as err:
            self.add(path, str(err))
            return None

    def automation(self, raw: Any, path: Path) -> m.Automation | None:
        entry = self.mapping(raw, path, "an automation")
        if entry is None:
            return None
        self.keys(entry, path, AUTOMATION_KEYS)
        ident = entry.get("id")
        if not isinstance(ident, str) or not _ID_RE.fullmatch(ident):
            where = (*path, "id") if "id" in entry else path
            self.add(where, "needs an id of lower-case letters, digits, _ or - (e.g. id: hallway_motion)")
            ident = None
        mode = entry.get("mode", "single")
        if mode not in {mode.value for mode in m.Mode}:
            self.add((*path, "mode"), f"mode must be one of {', '.join(m.Mode)}")
            mode = None
        triggers: list[m.Trigger] = self.listed(entry, path, "triggers", self.trigger, required=True)
        conditions: list[m.Condition] = self.listed(entry, path, "conditions", self.condition, required=False)
        actions: list[m.ActionStep] = self.listed(entry, path, "actions", self.action, required=True)
        description = entry.get("description", "")
        if not isinstance(description, str):
            self.add((*path, "description"), "description must be a string")
        if ident is None or mode is None:
            return None
        automation = m.Automation(
            ident, tuple(triggers), tuple(actions), tuple(conditions), m.Mode(mode), str(description)
        )
        self.indexes[ident] = path[0]
        return automation

    def listed(
        self,
        entry: Mapping[str, Any],
        path: Path,
        key: str,
        parse: Callable[[Any, Path], T | None],
        *,
        required: bool,
    ) -> list[T]:
        raw = entry.get(key)
        if raw is None:
            if required:
                self.add(path, f"missing key {key!r}")
            return []
        items = raw if isinstance(raw, list) else [raw]
        if required and not items:
            self.add((*path, key), f"{key} must not be empty")
        base = (*path, key)
        parsed = (parse(item, (*base, i) if isinstance(raw, list) else base) for i, item in enumerate(items))
        return [r for r in parsed if r is not None]

    # --- shared pieces ---

    def device(self, raw: Any, path: Path) -> str | None:
        if not isinstance(raw, str) or raw not in self.home.devices:
            close = difflib.get_close_matches(str(raw), list(self.home.devices), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            self.add(path, f"unknown device {raw!r}{hint}")
            return None
        return raw

    def template(self, raw: Any, path: Path) -> Template | None:
        if isinstance(raw, dict | list):
            import json

            raw = json.dumps(raw)
        if not isinstance(raw, str | int | float) or isinstance(raw, bool):
            self.add(path, "must be text (quote it: YAML reads yes, no, on and off as true or false)")
            return None
        return self.attempt(path, lambda: parse_template(str(raw), self.home.devices.keys()))

    def duration(self, raw: Any, path: Path) -> float | None:
        return self.attempt(path, lambda: parse_duration(raw))

    def weekdays(self, raw: Any, path: Path) -> frozenset[int] | None:
        items = raw if isinstance(raw, list) else [raw]
        days: set[int] = set()
        for item in items:
            name = str(item).strip().lower()[:3]
            if name not in WEEKDAYS:
                self.add(path, f"{item!r} is not a weekday (mon, tue, wed, thu, fri, sat, sun)")
                return None
            days.add(WEEKDAYS.index(name))
        return frozenset(days)

    def values(self, raw: Any) -> tuple[Any, ...]:
        return tuple(raw) if isinstance(raw, list) else (raw,)

    # --- triggers ---

    def trigger(self, raw: Any, path: Path) -> m.Trigger | None:
        entry = self.mapping(raw, path, "a trigger")
        if entry is None:
            return None
        kinds: dict[str, tuple[tuple[str, ...], Callable[[dict[str, Any], Path], m.Trigger | None]]] = {
            "device": (("device", "attribute", "from", "to", "for"), self.state_trigger),
            "mqtt": (("mqtt", "payload"), self.mqtt_trigger),
            "at": (("at", "weekdays"), self.time_trigger),
            "cron": (("cron",), self.cron_trigger),
            "sun": (("sun", "offset"), self.sun_trigger),
            "sentence": (("sentence", "say"), self.sentence_trigger),
            "timer": (("timer",), self.timer_trigger),
            "hub": (("hub",), self.start_trigger),
        }
        trigger: m.Trigger | None = self.dispatch(entry, path, kinds, "trigger")
        return trigger

    def dispatch(self, entry: dict[str, Any], path: Path, kinds: Mapping[str, Any], what: str) -> Any:
        found = [k for k in kinds if k in entry]
        if len(found) != 1:
            listed = ", ".join(kinds)
            problem = "more than one kind" if found else "no kind"
            self.add(path, f"{problem} of {what} here: use exactly one of {listed}")
            return None
        valid, parse = kinds[found[0]]
        self.keys(entry, path, valid)
        return parse(entry, path)

    def state_trigger(self, entry: dict[str, Any], path: Path) -> m.StateTrigger | None:
        device = self.device(entry["device"], (*path, "device"))
        attribute = entry.get("attribute", "state")
        if not isinstance(attribute, str):
            self.add((*path, "attribute"), "attribute must be a name, e.g. occupancy")
        hold = self.duration(entry["for"], (*path, "for")) if "for" in entry else 0.0
        if device is None or hold is None or not isinstance(attribute, str):
            return None
        from_ = self.values(entry["from"]) if "from" in entry else None
        to = self.values(entry["to"]) if "to" in entry else None
        return m.StateTrigger(device, attribute, from_, to, hold)

    def mqtt_trigger(self, entry: dict[str, Any], path: Path) -> m.MqttTrigger | None:
        topic = entry["mqtt"]
        if not isinstance(topic, str) or not valid_filter(topic):
            self.add((*path, "mqtt"), f"{topic!r} is not an MQTT topic filter (e.g. home/+/button)")
            return None
        payload = entry.get("payload")
        return m.MqttTrigger(topic, None if payload is None else str(payload))

    def time_trigger(self, entry: dict[str, Any], path: Path) -> m.TimeTrigger | None:
        at = self.attempt((*path, "at"), lambda: parse_time_of_day(entry["at"]))
        days = self.weekdays(entry["weekdays"], (*path, "weekdays")) if "weekdays" in entry else None
        return None if at is None else m.TimeTrigger(at, days)

    def cron_trigger(self, entry: dict[str, Any], path: Path) -> m.CronTrigger | None:
        cron = self.attempt((*path, "cron"), lambda: Cron.parse(str(entry["cron"])))
        return None if cron is None else m.CronTrigger(cron)

    def sun_trigger(self, entry: dict[str, Any], path: Path) -> m.SunTrigger | None:
        event = entry["sun"]
        if event not in ("sunrise", "sunset"):
            self.add((*path, "sun"), "sun must be sunrise or sunset")
            return None
        offset = self.offset(entry.get("offset", 0), (*path, "offset"))
        self.needs_location(path)
        return None if offset is None else m.SunTrigger(event, offset)

    def offset(self, raw: Any, path: Path) -> float | None:
        text = str(raw).strip()
        sign = -1 if text.startswith("-") else 1
        seconds = self.duration(text.lstrip("+-").strip() or "0", path)
        return None if seconds is None else sign * seconds

    def needs_location(self, path: Path) -> None:
        if self.home.location is None:
            self.add(path, "sunrise and sunset need location: {latitude: ..., longitude: ...} in hearth.yaml")

    def sentence_trigger(self, entry: dict[str, Any], path: Path) -> m.SentenceTrigger | None:
        raw = entry["sentence"]
        texts = raw if isinstance(raw, list) else [raw]
        sentences = []
        for index, text in enumerate(texts):
            where = (*path, "sentence", index) if isinstance(raw, list) else (*path, "sentence")
            normal = normalize_sentence(text) if isinstance(text, str) else ""
            if not normal:
                self.add(where, "a sentence must be non-empty text")
            elif normal in self._sentences:
                self.add(
                    where, f"sentence {text!r} is already used by automation {self._sentences[normal]!r}"
                )
            else:
                self._sentences[normal] = str(path[0])
                sentences.append(normal)
        say = self.template(entry["say"], (*path, "say")) if "say" in entry else None
        return m.SentenceTrigger(tuple(sentences), say) if sentences else None

    def timer_trigger(self, entry: dict[str, Any], path: Path) -> m.TimerTrigger:
        name = entry["timer"]
        return m.TimerTrigger(None if name in (None, "any", "*") else str(name))

    def start_trigger(self, entry: dict[str, Any], path: Path) -> m.StartTrigger | None:
        if entry["hub"] != "start":
            self.add((*path, "hub"), "the only hub trigger is `hub: start`")
            return None
        return m.StartTrigger()

    # --- conditions ---

    def condition(self, raw: Any, path: Path) -> m.Condition | None:
        entry = self.mapping(raw, path, "a condition")
        if entry is None:
            return None
        if "device" in entry:
            return self.device_condition(entry, path)
        for key, kind in (("and", m.AllOf), ("or", m.AnyOf), ("not", m.NoneOf)):
            if key in entry:
                self.keys(entry, path, (key,))
                parts: list[m.Condition] = self.listed(entry, path, key, self.condition, required=True)
                return kind(tuple(parts))
        if {"after", "before", "weekdays"} & entry.keys():
            return self.time_condition(entry, path)
        self.add(
            path,
            "unknown condition: use device (with state, above or below), after/before/weekdays, and, or, not",
        )
        return None

    def device_condition(self, entry: dict[str, Any], path: Path) -> m.Condition | None:
        self.keys(entry, path, ("device", "attribute", "state", "above", "below"))
        device = self.device(entry["device"], (*path, "device"))
        attribute = str(entry.get("attribute", "state"))
        if "state" in entry:
            return (
                None if device is None else m.StateCondition(device, attribute, self.values(entry["state"]))
            )
        bounds: dict[str, float] = {}
        for key in ("above", "below"):
            value = entry.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
                self.add((*path, key), f"{key} must be a number")
            elif value is not None:
                bounds[key] = float(value)
        if not bounds:
            self.add(path, "a device condition needs state, above or below")
            return None
        return (
            None
            if device is None
            else m.NumericCondition(device, attribute, bounds.get("above"), bounds.get("below"))
        )

    def time_condition(self, entry: dict[str, Any], path: Path) -> m.TimeCondition | None:
        self.keys(entry, path, ("after", "before", "weekdays"))
        points = {k: self.time_point(entry[k], (*path, k)) for k in ("after", "before") if k in entry}
        days = self.weekdays(entry["weekdays"], (*path, "weekdays")) if "weekdays" in entry else None
        return m.TimeCondition(points.get("after"), points.get("before"), days)

    def time_point(self, raw: Any, path: Path) -> m.TimePoint | None:
        text = str(raw).strip() if isinstance(raw, str) else raw
        if isinstance(text, str) and text.startswith(("sunrise", "sunset")):
            event = "sunrise" if text.startswith("sunrise") else "sunset"
            offset = self.offset(text[len(event) :].replace(" ", "") or "0", path)
            self.needs_location(path)
            return None if offset is None else m.TimePoint(sun=event, offset=offset)
        seconds = self.attempt(path, lambda: parse_time_of_day(text))
        return None if seconds is None else m.TimePoint(seconds=seconds)

    # --- actions ---

    def action(self, raw: Any, path: Path) -> m.ActionStep | None:
        entry = self.mapping(raw, path, "an action")
        if entry is None:
            return None
        kinds: dict[str, tuple[tuple[str, ...], Callable[[dict[str, Any], Path], m.ActionStep | None]]] = {
            "action": (("action", "device", "type", "area", "args"), self.device_action),
            "publish": (("publish", "payload", "qos", "retain"), self.publish_action),
            "announce": (("announce", "client", "area"), self.announce_action),
            "delay": (("delay",), self.delay_action),
            "wait": (("wait", "timeout", "on_timeout"), self.wait_action),
            "run": (("run",), lambda e, p: m.RunAction(str(e["run"]))),
        }
        if "device" in entry and "action" not in entry:
            self.add(path, "a device action needs `action:` (e.g. turn_on)")
            return None
        step: m.ActionStep | None = self.dispatch(entry, path, kinds, "action")
        return step

    def device_action(self, entry: dict[str, Any], path: Path) -> m.DeviceAction | None:
        name = entry["action"]
        if name not in {a.value for a in Action}:
            close = difflib.get_close_matches(str(name), [a.value for a in Action], n=1)
            self.add(
                (*path, "action"),
                f"unknown action {name!r}" + (f"; did you mean {close[0]!r}?" if close else ""),
            )
            return None
        action = Action(name)
        targets = self.targets(entry, path, action)
        params = entry.get("args", {})
        if not isinstance(params, dict):
            self.add((*path, "args"), "args must be a mapping, e.g. {brightness: 50}")
            return None
        try:
            command_values(Command(targets[0] if targets else "", action, params))
        except CommandError as err:
            self.add((*path, "args"), err.message)
            return None
        return m.DeviceAction(targets, action, dict(params)) if targets else None

    def targets(self, entry: dict[str, Any], path: Path, action: Action) -> tuple[str, ...]:
        if "device" in entry:
            raw = entry["device"]
            items = raw if isinstance(raw, list) else [raw]
            ids = [d for item in items if (d := self.device(item, (*path, "device")))]
            for device in ids:
                if action not in SUPPORTED_ACTIONS[self.home.devices[device]]:
                    what = self.home.devices[device].value
                    self.add((*path, "action"), f"{device} is a {what} and cannot {action.value}")
            return tuple(ids)
        kind: str | None = entry.get("type")
        area: str | None = entry.get("area")
        if kind is None and area is None:
            self.add(path, "say which devices: device (an id or a list), or type and/or area")
            return ()
        if kind is not None and kind not in {t.value for t in DeviceType}:
            self.add((*path, "type"), f"unknown device type {kind!r}")
            return ()
        if area is not None and area not in self.home.areas:
            self.add((*path, "area"), f"unknown area {area!r}")
            return ()
        chosen = tuple(
            d
            for d, t in self.home.devices.items()
            if (kind is None or t.value == kind)
            and action in SUPPORTED_ACTIONS[t]
            and (area is None or self.home.device_areas.get(d) == area)
        )
        if not chosen:
            self.add(path, f"no device of that type and area can {action.value}")
        return chosen

    def publish_action(self, entry: dict[str, Any], path: Path) -> m.PublishAction | None:
        topic = entry["publish"]
        if not isinstance(topic, str) or not topic or "+" in topic or "#" in topic:
            self.add((*path, "publish"), "publish needs a topic without wildcards")
            return None
        payload = self.template(entry.get("payload", ""), (*path, "payload"))
        qos = entry.get("qos", 1)
        if qos not in (0, 1, 2):
            self.add((*path, "qos"), "qos must be 0, 1 or 2")
        retain = entry.get("retain", False)
        if not isinstance(retain, bool):
            self.add((*path, "retain"), "retain must be true or false")
        if payload is None or qos not in (0, 1, 2) or not isinstance(retain, bool):
            return None
        return m.PublishAction(topic, payload, int(qos), retain)

    def announce_action(self, entry: dict[str, Any], path: Path) -> m.AnnounceAction | None:
        message = self.template(entry["announce"], (*path, "announce"))
        client, area = entry.get("client"), entry.get("area")
        if client is not None and client not in self.home.clients:
            self.add(
                (*path, "client"),
                f"unknown client {client!r} (clients: {', '.join(sorted(self.home.clients))})",
            )
            return None
        if area is not None and area not in self.home.areas:
            self.add((*path, "area"), f"unknown area {area!r}")
            return None
        return None if message is None else m.AnnounceAction(message, client, area)

    def delay_action(self, entry: dict[str, Any], path: Path) -> m.DelayAction | None:
        seconds = self.duration(entry["delay"], (*path, "delay"))
        return None if seconds is None else m.DelayAction(seconds)

    def wait_action(self, entry: dict[str, Any], path: Path) -> m.WaitAction | None:
        trigger = self.trigger(entry["wait"], (*path, "wait"))
        if trigger is not None and not isinstance(trigger, m.StateTrigger | m.MqttTrigger | m.TimerTrigger):
            self.add((*path, "wait"), "wait supports device, mqtt and timer triggers")
            return None
        if isinstance(trigger, m.StateTrigger) and trigger.hold:
            self.add((*path, "wait", "for"), "`for` is not supported inside wait")
            return None
        timeout = self.duration(entry["timeout"], (*path, "timeout")) if "timeout" in entry else None
        on_timeout = entry.get("on_timeout", "continue")
        if on_timeout not in ("continue", "stop"):
            self.add((*path, "on_timeout"), "on_timeout must be continue or stop")
        if trigger is None or ("timeout" in entry and timeout is None):
            return None
        return m.WaitAction(trigger, timeout, on_timeout == "stop")

    def check_runs(self, automations: list[m.Automation]) -> None:
        known = {a.id for a in automations}
        for automation in automations:
            for step, action in enumerate(automation.actions):
                if isinstance(action, m.RunAction) and action.automation not in known:
                    path = (self.indexes[automation.id], "actions", step, "run")
                    self.add(path, f"unknown automation {action.automation!r}")


def valid_filter(topic: str) -> bool:
    """Whether a topic filter is well formed: `+` fills one level, `#` only at the end."""
    if not topic:
        return False
    levels = topic.split("/")
    for i, level in enumerate(levels):
        if ("+" in level and level != "+") or ("#" in level and (level != "#" or i != len(levels) - 1)):
            return False
    return True
