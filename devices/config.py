"""Validation of devices.yaml (already parsed to plain data) into frozen areas and device specs."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from devices import templates
from devices.errors import DeviceConfigError, Path
from devices.model import SUPPORTED_ACTIONS, Action, Area, DeviceSpec, DeviceType, GenericTopics, Protocol
from devices.protocols import PROTOCOL_TYPES, state_topics

TOP_KEYS = ("areas", "devices")
AREA_KEYS = ("name", "aliases")
GENERIC_KEYS = ("command_topic", "state_topic", "commands", "state_format")
DEVICE_KEYS = ("id", "name", "aliases", "type", "area", "protocol", "topic", *GENERIC_KEYS)
STATE_FORMATS = ("json", "plain")

_ID_RE = re.compile(r"[a-z0-9_]+")
_E = TypeVar("_E", bound=StrEnum)
Problems = list[tuple[Path, str]]


@dataclass(frozen=True, slots=True)
class DevicesConfig:
    """The areas and devices of a home, validated."""

    areas: tuple[Area, ...] = ()
    devices: tuple[DeviceSpec, ...] = ()


def slugify(name: str) -> str:
    """The id form of a name: lower case, runs of other characters collapsed to `_`."""
    return re.sub(r"[^a-z0-9]+", "_", name.casefold()).strip("_")


def parse_devices(data: object) -> DevicesConfig:
    """Validate the parsed YAML of devices.yaml; raises DeviceConfigError listing every problem found."""
    if data is None:  # an empty file is an empty home
        return DevicesConfig()
    problems: Problems = []
    if not isinstance(data, Mapping):
        problems.append(((), f"expected a mapping with 'areas' and 'devices', got {_kind(data)}"))
        raise DeviceConfigError(problems)
    _check_keys(data, (), TOP_KEYS, problems)
    areas = _parse_areas(data.get("areas"), problems)
    devices = _parse_device_list(data.get("devices"), {a.id: a for a in areas}, problems)
    config = DevicesConfig(areas=areas, devices=devices)
    if problems:
        raise DeviceConfigError(problems, partial=config)
    return config


# --- small validators -----------------------------------------------------------------------------------


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"a number ({value!r})"
    if isinstance(value, str):
        return f"a string ({value!r})"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _suggest(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _check_keys(raw: Mapping[Any, Any], path: Path, valid: tuple[str, ...], problems: Problems) -> None:
    for key in raw:
        if key in valid:
            continue
        hint = _suggest(key, valid) if isinstance(key, str) else ""
        message = f"unknown key {key!r}" + (hint or f"; valid keys: {', '.join(valid)}")
        problems.append(((*path, str(key)), message))


def _str(raw: Mapping[str, Any], path: Path, key: str, problems: Problems, *, required: bool) -> str | None:
    if key not in raw:
        if required:
            problems.append((path, f"missing required key {key!r}"))
        return None
    value = raw[key]
    if not isinstance(value, str):
        problems.append(((*path, key), f"{key} must be a string, got {_kind(value)}"))
        return None
    if not value.strip():
        problems.append(((*path, key), f"{key} must not be empty"))
        return None
    return value.strip()


def _str_list(raw: Mapping[str, Any], path: Path, key: str, problems: Problems) -> tuple[str, ...]:
    value = raw.get(key)
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.append(((*path, key), f"{key} must be a list of strings, got {_kind(value)}"))
        return ()
    out: list[str] = []
    for index, item in enumerate(value):
        if isinstance(item, str) and item.strip():
            out.append(item.strip())
        else:
            message = f"{key} entries must be non-empty strings, got {_kind(item)}"
            problems.append(((*path, key, index), message))
    return tuple(out)


def _enum(raw: Mapping[str, Any], path: Path, key: str, enum: type[_E], problems: Problems) -> _E | None:
    value = _str(raw, path, key, problems, required=True)
    if value is None:
        return None
    valid = [member.value for member in enum]
    if value not in valid:
        problems.append(
            ((*path, key), f"unknown {key} {value!r}{_suggest(value, valid)} (valid: {', '.join(valid)})")
        )
        return None
    return enum(value)


def _topic(raw: Mapping[str, Any], path: Path, key: str, problems: Problems, *, required: bool) -> str | None:
    value = _str(raw, path, key, problems, required=required)
    if value is not None and ("+" in value or "#" in value):
        problems.append(((*path, key), f"{key} must be a plain topic without the wildcards '+' or '#'"))
        return None
    return value


# --- areas ----------------------------------------------------------------------------------------------


def _parse_areas(raw: object, problems: Problems) -> tuple[Area, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append((("areas",), f"areas must be a list of names or {{name, aliases}}, got {_kind(raw)}"))
        return ()
    areas: list[Area] = []
    first_index: dict[str, int] = {}
    for index, item in enumerate(raw):
        path: Path = ("areas", index)
        name: str | None
        aliases: tuple[str, ...]
        name_path: Path
        if isinstance(item, str) and item.strip():
            name, aliases, name_path = item.strip(), (), path
        elif isinstance(item, Mapping):
            _check_keys(item, path, AREA_KEYS, problems)
            name = _str(item, path, "name", problems, required=True)
            aliases, name_path = _str_list(item, path, "aliases", problems), (*path, "name")
        else:
            problems.append((path, f"an area must be a name or {{name, aliases}}, got {_kind(item)}"))
            continue
        if name is None:
            continue
        area_id = slugify(name)
        if not area_id:
            problems.append((name_path, f"area name {name!r} must contain a letter or digit"))
        elif area_id in first_index:
            problems.append((name_path, f"duplicate area {name!r} (same as areas[{first_index[area_id]}])"))
        else:
            first_index[area_id] = index
            areas.append(Area(id=area_id, name=name, aliases=aliases))
    return tuple(areas)


# --- devices --------------------------------------------------------------------------------------------


def _parse_device_list(raw: object, areas: Mapping[str, Area], problems: Problems) -> tuple[DeviceSpec, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append((("devices",), f"devices must be a list of device mappings, got {_kind(raw)}"))
        return ()
    devices: list[tuple[int, DeviceSpec]] = []
    for index, item in enumerate(raw):
        spec = _parse_device(item, ("devices", index), areas, problems)
        if spec is not None:
            devices.append((index, spec))
    _check_unique(raw, areas, problems)
    _check_topics(devices, problems)
    return tuple(spec for _, spec in devices)


def _parse_device(
    raw: object, path: Path, areas: Mapping[str, Area], problems: Problems
) -> DeviceSpec | None:
    if not isinstance(raw, Mapping):
        problems.append((path, f"a device must be a mapping with id, name, type, protocol, got {_kind(raw)}"))
        return None
    before = len(problems)
    _check_keys(raw, path, DEVICE_KEYS, problems)
    device_id = _str(raw, path, "id", problems, required=True)
    if device_id is not None and not _ID_RE.fullmatch(device_id):
        problems.append(
            ((*path, "id"), f"id {device_id!r} must match [a-z0-9_]+ (lower-case letters, digits, '_')")
        )
    name = _str(raw, path, "name", problems, required=True)
    aliases = _str_list(raw, path, "aliases", problems)
    device_type = _enum(raw, path, "type", DeviceType, problems)
    protocol = _enum(raw, path, "protocol", Protocol, problems)
    area = _area_ref(raw, path, areas, problems)
    topic, generic = _parse_topics(raw, path, device_type, protocol, problems)
    if len(problems) > before or device_id is None or name is None or device_type is None or protocol is None:
        return None
    return DeviceSpec(
        id=device_id,
        name=name,
        type=device_type,
        protocol=protocol,
        topic=topic or "",
        area=area,
        aliases=aliases,
        generic=generic,
    )


def _area_ref(
    raw: Mapping[str, Any], path: Path, areas: Mapping[str, Area], problems: Problems
) -> str | None:
    value = _str(raw, path, "area", problems, required=False)
    if value is None:
        return None
    area_id = slugify(value)
    if area_id not in areas:
        declared = ", ".join(areas) or "none"
        hint = _suggest(area_id, areas)
        message = f"area {value!r} is not declared under 'areas'{hint} (declared: {declared})"
        problems.append(((*path, "area"), message))
        return None
    return area_id


def _parse_topics(
    raw: Mapping[str, Any],
    path: Path,
    device_type: DeviceType | None,
    protocol: Protocol | None,
    problems: Problems,
) -> tuple[str | None, GenericTopics | None]:
    if protocol is None:
        return None, None  # which topic keys apply depends on the protocol
    if protocol is not Protocol.GENERIC:
        for key in GENERIC_KEYS:
            if key in raw:
                message = f"{key} is only used with protocol generic; {protocol} uses 'topic'"
                problems.append(((*path, key), message))
        if device_type is not None and device_type not in PROTOCOL_TYPES[protocol]:
            speaks = ", ".join(sorted(t.value for t in PROTOCOL_TYPES[protocol]))
            message = f"protocol {protocol} cannot speak type {device_type} (it speaks: {speaks})"
            problems.append(((*path, "protocol"), message))
        return _topic(raw, path, "topic", problems, required=True), None
    if "topic" in raw:
        message = "protocol generic uses 'command_topic' and 'state_topic', not 'topic'"
        problems.append(((*path, "topic"), message))
    commands = _parse_commands(raw.get("commands"), (*path, "commands"), device_type, problems)
    state_topic = _topic(raw, path, "state_topic", problems, required=True)
    command_topic = _topic(raw, path, "command_topic", problems, required=bool(commands))
    state_format = raw.get("state_format", "json")
    if state_format not in STATE_FORMATS:
        message = f"state_format must be one of {', '.join(STATE_FORMATS)}, got {_kind(state_format)}"
        problems.append(((*path, "state_format"), message))
    if state_topic is None:
        return None, None
    generic = GenericTopics(
        command_topic=command_topic or "",
        state_topic=state_topic,
        commands=commands,
        state_format=str(state_format),
    )
    return state_topic, generic


def _parse_commands(
    raw: object, path: Path, device_type: DeviceType | None, problems: Problems
) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        problems.append((path, f"commands must map actions to payload templates, got {_kind(raw)}"))
        return {}
    actions = SUPPORTED_ACTIONS[device_type] if device_type else frozenset(Action)
    supported = sorted(action.value for action in actions)
    commands: dict[str, str] = {}
    for key, value in raw.items():
        key_path = (*path, str(key))
        valid = ", ".join(supported) or "none"
        if key not in {a.value for a in Action}:
            hint = _suggest(key, supported) if isinstance(key, str) else ""
            problems.append((key_path, f"unknown action {key!r}{hint} (valid for this type: {valid})"))
            continue
        if device_type is not None and key not in supported:
            problems.append((key_path, f"type {device_type} does not support {key} (valid: {valid})"))
            continue
        template = _template(value, key_path, Action(key), problems)
        if template is not None:
            commands[key] = template
    return commands


def _template(value: object, path: Path, action: Action, problems: Problems) -> str | None:
    if isinstance(value, bool):  # YAML 1.1 reads bare ON/OFF/yes/no as booleans
        problems.append((path, f"payload was read as the boolean {value}; quote it, e.g. 'ON'"))
        return None
    if isinstance(value, int | float):
        return str(value)
    if not isinstance(value, str):
        problems.append((path, f"payload template must be a string, got {_kind(value)}"))
        return None
    allowed = templates.PLACEHOLDERS.get(action, ())
    for name in templates.placeholders(value):
        if name not in allowed:
            available = ", ".join(f"{{{n}}}" for n in allowed) or "none"
            message = f"placeholder {{{name}}} is not available for {action} (available: {available})"
            problems.append((path, message))
    return value


def _check_unique(raw: list[Any], areas: Mapping[str, Area], problems: Problems) -> None:
    ids: dict[str, int] = {}
    names: dict[tuple[str | None, str], int] = {}
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping):
            continue
        device_id, name, area = item.get("id"), item.get("name"), item.get("area")
        if isinstance(device_id, str) and device_id.strip():
            first = ids.setdefault(device_id.strip(), index)
            if first != index:
                problems.append((("devices", index, "id"), f"duplicate id {device_id!r} (devices[{first}])"))
        if isinstance(name, str) and name.strip():
            area_id = slugify(area) if isinstance(area, str) and slugify(area) in areas else None
            key = (area_id, " ".join(name.casefold().split()))
            first = names.setdefault(key, index)
            if first != index:
                where = f"in area {area_id!r}" if area_id else "among devices without an area"
                problems.append(
                    (("devices", index, "name"), f"duplicate name {name!r} {where} (devices[{first}])")
                )


def _check_topics(devices: list[tuple[int, DeviceSpec]], problems: Problems) -> None:
    owners: dict[str, str] = {}
    for index, spec in devices:
        key = "state_topic" if spec.protocol is Protocol.GENERIC else "topic"
        for topic in state_topics(spec):
            owner = owners.setdefault(topic, spec.id)
            if owner != spec.id:
                problems.append(
                    (("devices", index, key), f"state topic {topic!r} is already used by device {owner!r}")
                )
                break
