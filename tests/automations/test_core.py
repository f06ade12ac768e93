"""The sans-I/O core: parsing with located errors, templates, conditions and the engine's triggers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from devices.automations import AutomationConfigError, Engine, Home, LoopGuard, check, same, topic_matches
from devices.automations import model as m
from devices.automations.engine import in_window
from devices.automations.schedule import sun_event
from devices.automations.templates import TemplateError, parse_template
from devices.model import Action
from tests.automations.conftest import BERLIN, parse

MOTION = """
- id: hallway
  mode: restart
  triggers:
    - device: hallway_motion
      attribute: occupancy
      to: true
  conditions:
    - after: sunset
      before: sunrise
  actions:
    - device: hallway_light
      action: turn_on
    - delay: 2m
    - device: hallway_light
      action: turn_off
"""


def problems(text: str, home: Home) -> list[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(AutomationConfigError) as err:
        parse(text, home)
    return err.value.problems


def test_parses_the_motion_light(sample_home: Home) -> None:
    (auto,) = parse(MOTION, sample_home).automations
    assert auto.mode is m.Mode.RESTART
    assert auto.triggers == (m.StateTrigger("hallway_motion", "occupancy", None, (True,), 0.0),)
    assert auto.actions[1] == m.DelayAction(120.0)
    assert auto.actions[0] == m.DeviceAction(("hallway_light",), Action.TURN_ON, {})


def test_the_sample_file_is_valid(sample_home: Home) -> None:
    from tests.automations.conftest import SAMPLE

    automations = parse((SAMPLE / "automations.yaml").read_text(), sample_home)
    assert {a.id for a in automations.automations} >= {
        "hallway_motion_light",
        "garage_door_left_open",
        "good_night",
    }


def test_type_selectors_resolve_to_devices(sample_home: Home) -> None:
    text = (
        "- id: n\n  triggers: [{sentence: good night}]\n"
        "  actions: [{type: lock, action: lock}, {area: kitchen, action: turn_off}]"
    )
    lock, kitchen = parse(text, sample_home).automations[0].actions
    assert isinstance(lock, m.DeviceAction) and lock.devices == ("front_door",)
    assert isinstance(kitchen, m.DeviceAction)
    assert set(kitchen.devices) == {"kitchen_light", "kitchen_light_strip", "coffee_maker"}


@pytest.mark.parametrize(
    ("text", "path", "message"),
    [
        (
            "- id: a\n  triggers: [{device: hallway_lamp}]\n  actions: [{delay: 1s}]",
            (0, "triggers", 0, "device"),
            "did you mean 'hallway_light'",
        ),
        (
            "- id: a\n  triggers: [{hub: start}]\n  actions: [{device: front_door, action: turn_on}]",
            (0, "actions", 0, "action"),
            "front_door is a lock and cannot turn_on",
        ),
        (
            "- id: a\n  triggers: [{hub: start}]\n  actions: [{device: front_door, action: lokc}]",
            (0, "actions", 0, "action"),
            "did you mean 'lock'",
        ),
        (
            "- id: a\n  triggers: [{device: garage_door, for: 10 parsecs}]\n  actions: [{delay: 1s}]",
            (0, "triggers", 0, "for"),
            "not a duration",
        ),
        (
            "- id: a\n  triggers: [{cron: '61 * * * *'}]\n  actions: [{delay: 1s}]",
            (0, "triggers", 0, "cron"),
            "minute",
        ),
        (
            "- id: a\n  triggers: [{at: '25:00'}]\n  actions: [{delay: 1s}]",
            (0, "triggers", 0, "at"),
            "time of day",
        ),
        (
            "- id: a\n  trigers: [{hub: start}]\n  actions: [{delay: 1s}]",
            (0, "trigers"),
            "did you mean 'triggers'",
        ),
        (
            "- id: a\n  triggers: [{hub: start}]\n  actions: [{announce: '{{ states.nope.x }}'}]",
            (0, "actions", 0, "announce"),
            "unknown device 'nope'",
        ),
        (
            "- id: a\n  triggers: [{hub: start}]\n  actions: [{run: b}]",
            (0, "actions", 0, "run"),
            "unknown automation",
        ),
        (
            "- id: a\n  triggers: [{hub: start}]\n  actions: [{device: hallway_light, action: set_brightness,"
            " args: {brightness: 150}}]",
            (0, "actions", 0, "args"),
            "brightness",
        ),
        (
            "- id: a\n  triggers: [{hub: start}]\n  actions: [{announce: hi, client: nobody}]",
            (0, "actions", 0, "client"),
            "unknown client",
        ),
        (
            "- id: a\n  mode: sometimes\n  triggers: [{hub: start}]\n  actions: [{delay: 1s}]",
            (0, "mode"),
            "mode",
        ),
    ],
)
def test_errors_name_their_path(sample_home: Home, text: str, path: tuple[Any, ...], message: str) -> None:
    found = problems(text, sample_home)
    assert any(p == path and message in text_ for p, text_ in found), found


def test_sun_needs_a_location(sample_home: Home) -> None:
    nowhere = Home(
        sample_home.devices, sample_home.device_areas, sample_home.areas, sample_home.clients, None
    )
    found = problems("- id: a\n  triggers: [{sun: sunset}]\n  actions: [{delay: 1s}]", nowhere)
    assert "location" in found[0][1]


def test_duplicate_ids_and_sentences(sample_home: Home) -> None:
    text = (
        "- id: a\n  triggers: [{sentence: Good night!}]\n  actions: [{delay: 1s}]\n"
        "- id: a\n  triggers: [{sentence: good night}]\n  actions: [{delay: 1s}]"
    )
    messages = [message for _, message in problems(text, sample_home)]
    assert any("already used" in msg for msg in messages)
    assert any("duplicate automation id" in msg for msg in messages)


# --- templates --------------------------------------------------------------------------------------------


def test_templates_read_states_with_filters() -> None:
    states = {"office_sensor": {"temperature": 21.456, "state": None}, "hallway_light": {"state": "ON"}}
    template = parse_template(
        "It is {{ states.office_sensor.temperature | round(1) }} °C; "
        "hall {{ state('hallway_light') | lower }}; "
        "{{ states.office_sensor.humidity | default('no reading') }}; by {{ trigger.device }}",
        {"office_sensor", "hallway_light"},
    )
    text = template.render(lambda d: states.get(d, {}), {"device": "garage_door"})
    assert text == "It is 21.5 °C; hall on; no reading; by garage_door"
    assert template.devices == {"office_sensor", "hallway_light"}


@pytest.mark.parametrize(
    "bad",
    [
        "{{ states.missing.temperature }}",
        "{{ __import__('os') }}",
        "{{ states.office_sensor.x | eval }}",
        "{{ trigger.__class__ }}",
        "{{ open }",
        "{{ 1 + 1 }}",
    ],
)
def test_templates_refuse_anything_else(bad: str) -> None:
    with pytest.raises(TemplateError):
        parse_template(bad, {"office_sensor"})


def test_a_missing_value_renders_unknown() -> None:
    template = parse_template("{{ states.office_sensor.temperature | round }}", {"office_sensor"})
    assert template.render(lambda _d: {}) == "unknown"
    assert template.render(lambda _d: {"temperature": "warm"}) == "unknown"


# --- conditions -------------------------------------------------------------------------------------------


def test_conditions_nest(sample_home: Home) -> None:
    text = """
- id: a
  triggers: [{hub: start}]
  conditions:
    - or:
        - device: front_door
          state: UNLOCK
        - not:
            - device: office_sensor
              attribute: temperature
              below: 25
    - device: garage_door
      state: [OPEN, CLOSE]
  actions: [{delay: 1s}]
"""
    (auto,) = parse(text, sample_home).automations
    now = datetime(2026, 3, 2, 12, 0).timestamp()
    states = {
        "front_door": {"state": "LOCK"},
        "office_sensor": {"temperature": 30},
        "garage_door": {"state": "OPEN"},
    }
    assert check(auto.conditions, lambda d: states.get(d, {}), now, None).ok
    states["office_sensor"]["temperature"] = 20
    checked = check(auto.conditions, lambda d: states.get(d, {}), now, None)
    assert not checked.ok and checked.results[0]["ok"] is False and len(checked.results) == 1


def test_time_windows_wrap_midnight_and_follow_the_sun() -> None:
    late = m.TimeCondition(m.TimePoint(seconds=22 * 3600), m.TimePoint(seconds=6 * 3600))
    assert in_window(late, datetime(2026, 3, 2, 23, 0).timestamp(), None)
    assert in_window(late, datetime(2026, 3, 2, 5, 0).timestamp(), None)
    assert not in_window(late, datetime(2026, 3, 2, 12, 0).timestamp(), None)
    dark = m.TimeCondition(m.TimePoint(sun="sunset"), m.TimePoint(sun="sunrise"))
    sunset = sun_event(date(2026, 3, 2), BERLIN, "sunset")
    assert sunset is not None
    assert in_window(dark, sunset + 60, BERLIN)
    assert not in_window(dark, sunset - 3600, BERLIN)
    weekdays = m.TimeCondition(weekdays=frozenset({1, 2, 3, 4, 5}))
    assert in_window(weekdays, datetime(2026, 3, 2, 12).timestamp(), None)  # a Monday
    assert not in_window(weekdays, datetime(2026, 3, 1, 12).timestamp(), None)  # a Sunday


def test_values_compare_like_people_write_them() -> None:
    assert same(True, "ON") and same("on", "ON") and same(True, True) and same("open", "OPEN")
    assert not same(False, "ON") and not same(1, "ON")


# --- the engine -------------------------------------------------------------------------------------------

GARAGE = """
- id: garage
  triggers:
    - device: garage_door
      to: OPEN
      for: 10m
  actions: [{announce: open}]
- id: button
  triggers:
    - mqtt: home/+/button
      payload: pressed
  actions: [{delay: 1s}]
- id: morning
  triggers:
    - at: "07:30"
      weekdays: [mon, tue, wed, thu, fri]
    - cron: "*/30 * * * *"
  actions: [{delay: 1s}]
- id: pasta
  triggers: [{timer: pasta}, {hub: start}]
  actions: [{delay: 1s}]
"""


def test_for_fires_only_when_the_state_held(sample_home: Home) -> None:
    t0 = datetime(2026, 3, 2, 12, 0).timestamp()
    engine = Engine(parse(GARAGE, sample_home), t0, {"garage_door": {"state": "CLOSE"}})
    assert engine.on_state("garage_door", {"state": "OPEN"}, t0) == []
    assert engine.due(t0 + 599) == []
    assert engine.on_state("garage_door", {"state": "CLOSE"}, t0 + 300) == []
    assert engine.due(t0 + 700) == []  # it closed in time: cancelled
    engine.on_state("garage_door", {"state": "OPEN"}, t0 + 800)
    assert engine.on_state("garage_door", {"state": "OPEN", "position": 100}, t0 + 900) == []  # still open
    (fire,) = engine.due(t0 + 1400)
    assert fire.automation.id == "garage" and fire.trigger["to"] == "OPEN"


def test_reload_keeps_the_pending_wait_of_an_unchanged_automation(sample_home: Home) -> None:
    t0 = datetime(2026, 3, 2, 12, 0).timestamp()
    engine = Engine(parse(GARAGE, sample_home), t0, {"garage_door": {"state": "CLOSE"}})
    engine.on_state("garage_door", {"state": "OPEN"}, t0)
    newer = Engine(parse(GARAGE.replace("*/30", "*/20"), sample_home), t0 + 60, engine.snapshot)
    newer.adopt(engine)
    assert [f.automation.id for f in newer.due(t0 + 600)] == ["garage"]
    changed = Engine(parse(GARAGE.replace("for: 10m", "for: 20m"), sample_home), t0 + 60, engine.snapshot)
    changed.adopt(engine)
    assert changed.pending == {}


def test_mqtt_sentences_timers_and_start(sample_home: Home) -> None:
    engine = Engine(parse(GARAGE, sample_home), 0, {})
    assert [f.automation.id for f in engine.on_mqtt("home/hall/button", "pressed")] == ["button"]
    assert engine.on_mqtt("home/hall/button", "released") == []
    assert engine.on_mqtt("home/hall/extra/button", "pressed") == []
    assert [f.automation.id for f in engine.on_timer("pasta")] == ["pasta"]
    assert engine.on_timer("eggs") == []
    assert [f.automation.id for f in engine.on_start()] == ["pasta"]
    assert engine.mqtt_filters == ["home/+/button"]


def test_schedules_fire_and_plan_the_next(sample_home: Home) -> None:
    monday = datetime(2026, 3, 2, 7, 10).timestamp()
    engine = Engine(parse(GARAGE, sample_home), monday, {})
    assert datetime.fromtimestamp(engine.next_deadline() or 0) == datetime(2026, 3, 2, 7, 30)
    fired = engine.due(datetime(2026, 3, 2, 7, 30).timestamp())
    assert [f.trigger["kind"] for f in fired] == ["time", "cron"]
    assert datetime.fromtimestamp(engine.next_deadline() or 0) == datetime(2026, 3, 2, 8, 0)
    saturday = datetime(2026, 3, 7, 7, 29).timestamp()
    weekend = Engine(parse(GARAGE, sample_home), saturday, {})
    assert [f.trigger["kind"] for f in weekend.due(datetime(2026, 3, 7, 7, 30).timestamp())] == ["cron"]


def test_topic_filters() -> None:
    assert topic_matches("a/+/c", "a/b/c") and topic_matches("a/#", "a/b/c") and topic_matches("#", "x")
    assert not topic_matches("a/+", "a/b/c") and not topic_matches("a/b", "a/b/c")


def test_loop_guard() -> None:
    guard = LoopGuard(limit=10, window=1.0)
    assert all(guard.allow("a", 100 + i * 0.01) for i in range(10))
    assert not guard.allow("a", 100.2)
    assert guard.allow("b", 100.2)
    assert guard.allow("a", 102)
