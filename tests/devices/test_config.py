"""devices.yaml validation: the sample parses, and every kind of mistake is reported with its exact path."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from devices.config import DevicesConfig, parse_devices, slugify
from devices.errors import DeviceConfigError, Path, format_path
from devices.model import Area, DeviceType, GenericTopics, Protocol
from tests.devices.conftest import sample_doc

Doc = dict[str, Any]


def problems_of(doc: object) -> list[tuple[Path, str]]:
    with pytest.raises(DeviceConfigError) as info:
        parse_devices(doc)
    return info.value.problems


def device(doc: Doc, device_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(d for d in doc["devices"] if d["id"] == device_id)
    return found


def index_of(doc: Doc, device_id: str) -> int:
    return next(i for i, d in enumerate(doc["devices"]) if d["id"] == device_id)


def test_sample_parses_into_frozen_specs() -> None:
    config = parse_devices(sample_doc("t"))
    assert config.areas[1] == Area(id="living_room", name="Living Room", aliases=("lounge",))
    assert [a.id for a in config.areas] == ["kitchen", "living_room", "bedroom", "hall", "garage"]
    by_id = {d.id: d for d in config.devices}
    light = by_id["kitchen_light"]
    assert (light.type, light.protocol, light.topic, light.area) == (
        DeviceType.LIGHT,
        Protocol.ZIGBEE2MQTT,
        "tz2m/kitchen_light",
        "kitchen",
    )
    assert light.aliases == ("ceiling light",)
    assert by_id["coffee"].area == "kitchen"  # "Kitchen" resolves to the area id
    assert by_id["living_blinds"].area == "living_room"  # so does "living room"
    lamp = by_id["desk_lamp"]
    assert lamp.generic == GenericTopics(
        command_topic="t/desk_lamp/command",
        state_topic="t/desk_lamp/state",
        commands={
            "turn_on": '{"state": "ON"}',
            "turn_off": '{"state": "OFF"}',
            "set_brightness": '{"brightness_pct": {brightness}}',
            "set_color": '{"rgb": [{r}, {g}, {b}]}',
        },
        state_format="json",
    )
    assert lamp.topic == "t/desk_lamp/state"
    assert by_id["porch_light"].generic is not None and by_id["porch_light"].generic.state_format == "plain"


@pytest.mark.parametrize("empty", [None, {}, {"areas": [], "devices": []}])
def test_empty_documents_are_an_empty_home(empty: object) -> None:
    assert parse_devices(empty) == DevicesConfig()


def test_slugify() -> None:
    assert slugify("  Living Room ") == "living_room"
    assert slugify("Kid's room #2") == "kid_s_room_2"


Mutation = Callable[[Doc], None]


def _set(device_id: str, key: str, value: object) -> Mutation:
    return lambda doc: device(doc, device_id).__setitem__(key, value)


def _delete(device_id: str, key: str) -> Mutation:
    return lambda doc: device(doc, device_id).pop(key)


def _copy_device(source: str, **changes: object) -> Mutation:
    def mutate(doc: Doc) -> None:
        clone = copy.deepcopy(device(doc, source))
        clone.update(changes)
        doc["devices"].append(clone)

    return mutate


LAST = 12  # index of a device appended to the sample's twelve
CASES: list[tuple[str, Mutation, Path, str]] = [
    ("unknown top key", lambda d: d.__setitem__("devics", []), ("devics",), "did you mean 'devices'?"),
    ("unknown device key", _set("coffee", "nmae", "x"), ("devices", 1, "nmae"), "did you mean 'name'?"),
    ("unknown key, no hint", _set("coffee", "colour", "x"), ("devices", 1, "colour"), "valid keys: id, name"),
    ("missing id", _delete("coffee", "id"), ("devices", 1), "missing required key 'id'"),
    ("missing name", _delete("coffee", "name"), ("devices", 1), "missing required key 'name'"),
    ("missing type", _delete("coffee", "type"), ("devices", 1), "missing required key 'type'"),
    ("missing protocol", _delete("coffee", "protocol"), ("devices", 1), "missing required key 'protocol'"),
    ("missing topic", _delete("coffee", "topic"), ("devices", 1), "missing required key 'topic'"),
    (
        "name not a string",
        _set("coffee", "name", 42),
        ("devices", 1, "name"),
        "name must be a string, got a number",
    ),
    ("empty name", _set("coffee", "name", "  "), ("devices", 1, "name"), "must not be empty"),
    ("aliases not a list", _set("coffee", "aliases", "brew"), ("devices", 1, "aliases"), "must be a list"),
    (
        "alias not a string",
        _set("coffee", "aliases", ["ok", 3]),
        ("devices", 1, "aliases", 1),
        "non-empty strings",
    ),
    ("unknown type", _set("coffee", "type", "lamp"), ("devices", 1, "type"), "valid: light, switch, cover"),
    ("type suggestion", _set("coffee", "type", "swich"), ("devices", 1, "type"), "did you mean 'switch'?"),
    (
        "unknown protocol",
        _set("coffee", "protocol", "zwave"),
        ("devices", 1, "protocol"),
        "zigbee2mqtt, tasmota",
    ),
    ("bad id", _set("coffee", "id", "Coffee-Machine"), ("devices", 1, "id"), "must match [a-z0-9_]+"),
    ("undeclared area", _set("coffee", "area", "Kitchn"), ("devices", 1, "area"), "did you mean 'kitchen'?"),
    ("wildcard topic", _set("coffee", "topic", "a/+/b"), ("devices", 1, "topic"), "without the wildcards"),
    (
        "tasmota cannot lock",
        _set("front_door", "protocol", "tasmota"),
        ("devices", 6, "protocol"),
        "protocol tasmota cannot speak type lock",
    ),
    (
        "generic key on tasmota",
        _set("coffee", "state_topic", "x"),
        ("devices", 1, "state_topic"),
        "only used with protocol generic",
    ),
    ("topic on generic", _set("porch_light", "topic", "x"), ("devices", 10, "topic"), "uses 'command_topic'"),
    ("generic without state topic", _delete("porch_light", "state_topic"), ("devices", 10), "'state_topic'"),
    (
        "generic without command topic",
        _delete("porch_light", "command_topic"),
        ("devices", 10),
        "'command_topic'",
    ),
    (
        "command not an action of the type",
        _set("porch_light", "commands", {"turn_on": "ON", "set_brightness": "{brightness}"}),
        ("devices", 10, "commands", "set_brightness"),
        "type switch does not support set_brightness",
    ),
    (
        "unknown command action",
        _set("porch_light", "commands", {"turn_onn": "ON"}),
        ("devices", 10, "commands", "turn_onn"),
        "did you mean 'turn_on'?",
    ),
    (
        "YAML boolean payload",
        _set("porch_light", "commands", {"turn_on": True}),
        ("devices", 10, "commands", "turn_on"),
        "quote it",
    ),
    (
        "placeholder of another action",
        _set("desk_lamp", "commands", {"turn_on": "{brightness}"}),
        ("devices", 9, "commands", "turn_on"),
        "placeholder {brightness} is not available for turn_on",
    ),
    (
        "unknown placeholder",
        _set("desk_lamp", "commands", {"set_brightness": "{level}"}),
        ("devices", 9, "commands", "set_brightness"),
        "available: {brightness}",
    ),
    (
        "bad state_format",
        _set("porch_light", "state_format", "xml"),
        ("devices", 10, "state_format"),
        "json, plain",
    ),
    ("duplicate id", _copy_device("coffee", name="Other"), ("devices", LAST, "id"), "duplicate id 'coffee'"),
    (
        "duplicate name in area",
        _copy_device("coffee", id="coffee2", name="coffee  machine", topic="other"),
        ("devices", LAST, "name"),
        "duplicate name 'coffee  machine' in area 'kitchen'",
    ),
    (
        "duplicate state topic",
        _copy_device("coffee", id="coffee2", name="Other"),
        ("devices", LAST, "topic"),
        "already used by device 'coffee'",
    ),
    ("device not a mapping", lambda d: d["devices"].append("lamp"), ("devices", LAST), "must be a mapping"),
    ("devices not a list", lambda d: d.__setitem__("devices", {"a": 1}), ("devices",), "must be a list"),
    ("area of wrong type", lambda d: d["areas"].append(3), ("areas", 5), "an area must be a name"),
    (
        "duplicate area",
        lambda d: d["areas"].append("living room"),
        ("areas", 5),
        "duplicate area 'living room'",
    ),
    (
        "unknown area key",
        lambda d: d["areas"].append({"name": "Office", "alias": ["study"]}),
        ("areas", 5, "alias"),
        "did you mean 'aliases'?",
    ),
]


@pytest.mark.parametrize(("mutate", "path", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_problem_has_its_path(mutate: Mutation, path: Path, fragment: str) -> None:
    doc = sample_doc("t")
    mutate(doc)
    problems = problems_of(doc)
    assert any(p == path and fragment in message for p, message in problems), problems


def test_duplicate_names_in_different_areas_are_fine() -> None:
    doc = sample_doc("t")
    _copy_device("coffee", id="coffee2", topic="other", area="hall")(doc)
    assert len(parse_devices(doc).devices) == LAST + 1


def test_all_problems_are_collected_at_once() -> None:
    doc = sample_doc("t")
    device(doc, "coffee")["type"] = "lamp"
    device(doc, "speaker")["area"] = "attic"
    device(doc, "desk_lamp")["id"] = "Desk Lamp"
    doc["extra"] = 1
    paths = [path for path, _ in problems_of(doc)]
    assert paths == [("extra",), ("devices", 1, "type"), ("devices", 7, "area"), ("devices", 9, "id")]


def test_error_message_lists_readable_paths() -> None:
    doc = sample_doc("t")
    device(doc, "coffee")["type"] = "lamp"
    with pytest.raises(DeviceConfigError) as info:
        parse_devices(doc)
    assert "devices[1].type: unknown type 'lamp'" in str(info.value)
    assert format_path(()) == "<root>"


def test_error_keeps_the_valid_part() -> None:
    doc = sample_doc("t")
    device(doc, "coffee")["type"] = "toaster"
    with pytest.raises(DeviceConfigError) as info:
        parse_devices(doc)
    partial = info.value.partial
    assert isinstance(partial, DevicesConfig)
    assert len(partial.areas) == 5 and "coffee" not in {d.id for d in partial.devices}
    assert len(partial.devices) == 11


def test_root_must_be_a_mapping() -> None:
    assert problems_of(["a"]) == [((), "expected a mapping with 'areas' and 'devices', got a list")]


def test_sensor_may_be_generic_without_commands() -> None:
    doc = {"devices": [{"id": "s", "name": "S", "type": "sensor", "protocol": "generic", "state_topic": "s"}]}
    (spec,) = parse_devices(doc).devices
    assert spec.generic == GenericTopics(command_topic="", state_topic="s", commands={}, state_format="json")


def test_index_helper_matches_sample_layout() -> None:
    doc = sample_doc("t")
    assert [index_of(doc, i) for i in ("coffee", "front_door", "desk_lamp", "porch_light")] == [1, 6, 9, 10]
