"""Plain data of automations: triggers, conditions and actions, as validated from automations.yaml."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from devices.automations.schedule import Cron, Location
from devices.automations.templates import Template
from devices.model import Action


class Mode(StrEnum):
    """What a trigger does while the automation is already running."""

    SINGLE = "single"  # ignored
    RESTART = "restart"  # the running one is cancelled
    QUEUED = "queued"  # runs after the running ones
    PARALLEL = "parallel"  # runs beside them


# --- triggers -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StateTrigger:
    """A device attribute changed (optionally from/to given values, and held `hold` seconds)."""

    device: str
    attribute: str = "state"
    from_: tuple[Any, ...] | None = None
    to: tuple[Any, ...] | None = None
    hold: float = 0.0


@dataclass(frozen=True, slots=True)
class MqttTrigger:
    """A message on a topic filter (+ and # wildcards), optionally with an exact payload."""

    topic: str
    payload: str | None = None


@dataclass(frozen=True, slots=True)
class TimeTrigger:
    """Every day at a local time of day (seconds after midnight), on the given weekdays (0 = Sunday)."""

    at: int
    weekdays: frozenset[int] | None = None


@dataclass(frozen=True, slots=True)
class CronTrigger:
    """A 5-field cron schedule."""

    cron: Cron


@dataclass(frozen=True, slots=True)
class SunTrigger:
    """Sunrise or sunset, shifted by `offset` seconds."""

    event: str
    offset: float = 0.0


@dataclass(frozen=True, slots=True)
class SentenceTrigger:
    """Spoken or typed sentences (normalised) that run the automation instead of intent recognition."""

    sentences: tuple[str, ...]
    say: Template | None = None


@dataclass(frozen=True, slots=True)
class TimerTrigger:
    """A timer finished; `name` None means any timer."""

    name: str | None = None


@dataclass(frozen=True, slots=True)
class StartTrigger:
    """The hub started."""


Trigger = (
    StateTrigger | MqttTrigger | TimeTrigger | CronTrigger | SunTrigger | SentenceTrigger | TimerTrigger
) | StartTrigger
ScheduledTrigger = TimeTrigger | CronTrigger | SunTrigger

# --- conditions ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StateCondition:
    """A device attribute equals one of `values`."""

    device: str
    attribute: str
    values: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class NumericCondition:
    """A device attribute is a number above and/or below thresholds."""

    device: str
    attribute: str
    above: float | None = None
    below: float | None = None


@dataclass(frozen=True, slots=True)
class TimePoint:
    """A time of day: fixed seconds after midnight, or a sun event with an offset."""

    seconds: int | None = None
    sun: str | None = None
    offset: float = 0.0

    def describe(self) -> str:
        """How the point reads in automations.yaml."""
        if self.sun is None:
            seconds = self.seconds or 0
            return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"
        return self.sun + (f"{self.offset:+g}s" if self.offset else "")


@dataclass(frozen=True, slots=True)
class TimeCondition:
    """Local time within [after, before) (wrapping midnight when after > before), on given weekdays."""

    after: TimePoint | None = None
    before: TimePoint | None = None
    weekdays: frozenset[int] | None = None


@dataclass(frozen=True, slots=True)
class AllOf:
    """Every condition holds."""

    conditions: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    """At least one condition holds."""

    conditions: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class NoneOf:
    """No condition holds (`not:`)."""

    conditions: tuple[Condition, ...]


Condition = StateCondition | NumericCondition | TimeCondition | AllOf | AnyOf | NoneOf

# --- actions ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeviceAction:
    """Command devices, exactly as a voice command would."""

    devices: tuple[str, ...]
    action: Action
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PublishAction:
    """Publish a raw MQTT message (payload is a template)."""

    topic: str
    payload: Template
    qos: int = 1
    retain: bool = False


@dataclass(frozen=True, slots=True)
class AnnounceAction:
    """Show (and speak, where the client asked for speech) a message on some satellites or all."""

    message: Template
    client: str | None = None
    area: str | None = None


@dataclass(frozen=True, slots=True)
class DelayAction:
    """Wait a while."""

    seconds: float


@dataclass(frozen=True, slots=True)
class WaitAction:
    """Wait for a trigger; on timeout carry on or stop the run."""

    trigger: StateTrigger | MqttTrigger | TimerTrigger
    timeout: float | None = None
    stop_on_timeout: bool = False


@dataclass(frozen=True, slots=True)
class RunAction:
    """Run another automation (its conditions are checked)."""

    automation: str


ActionStep = DeviceAction | PublishAction | AnnounceAction | DelayAction | WaitAction | RunAction


@dataclass(frozen=True, slots=True)
class Automation:
    """One automation of automations.yaml."""

    id: str
    triggers: tuple[Trigger, ...]
    actions: tuple[ActionStep, ...]
    conditions: tuple[Condition, ...] = ()
    mode: Mode = Mode.SINGLE
    description: str = ""


@dataclass(frozen=True, slots=True)
class AutomationSet:
    """All automations of a home, by id in file order, plus the home's location for sun times."""

    automations: tuple[Automation, ...] = ()
    location: Location | None = None

    def get(self, automation_id: str) -> Automation | None:
        """The automation with this id, or None."""
        return next((a for a in self.automations if a.id == automation_id), None)
