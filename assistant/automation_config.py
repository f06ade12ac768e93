"""Loading automations.yaml and hearth.yaml's `location`, with problems at file, line and key."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devices.automations import model as m
from devices.automations.parse import AutomationConfigError, Home, parse_automations
from devices.automations.schedule import Location
from devices.config import DevicesConfig

from .yamlpos import ConfigError, ConfigProblem, DataPath, LocatedDocument, load_yaml

if TYPE_CHECKING:
    from .config import HubSettings

AUTOMATIONS_FILE = "automations.yaml"


def automation_home(devices: DevicesConfig, clients: Iterable[str], location: Location | None) -> Home:
    """What automations of a config may refer to."""
    return Home(
        devices={d.id: d.type for d in devices.devices},
        device_areas={d.id: d.area for d in devices.devices},
        areas=frozenset(a.id for a in devices.areas),
        clients=frozenset(clients),
        location=location,
    )


def read_location(raw: Any) -> tuple[Location | None, list[tuple[DataPath, str]]]:
    """The `location` section of hearth.yaml (latitude, longitude), with problems at their keys."""
    if raw is None:
        return None, []
    if not isinstance(raw, dict):
        return None, [(("location",), "must be a mapping: {latitude: 51.5, longitude: -0.12}")]
    problems: list[tuple[DataPath, str]] = []
    for key in raw:
        if key not in ("latitude", "longitude"):
            problems.append(
                (("location", str(key)), f"unknown key {key!r} (valid keys: latitude, longitude)")
            )
    values: dict[str, float] = {}
    for key, limit in (("latitude", 90), ("longitude", 180)):
        value = raw.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not -limit <= value <= limit:
            problems.append((("location", key), f"{key} must be a number from -{limit} to {limit}"))
        else:
            values[key] = float(value)
    if problems:
        return None, problems
    return Location(values["latitude"], values["longitude"]), []


def load_automations(directory: Path, home: Home) -> m.AutomationSet:
    """Read automations.yaml of a config folder (absent: none); ConfigError names file, line and key."""
    path = directory / AUTOMATIONS_FILE
    if not path.exists():
        return m.AutomationSet(location=home.location)
    doc = load_yaml(path)
    try:
        return parse_automations(doc.data, home)
    except AutomationConfigError as err:
        raise ConfigError([doc.problem(p, message) for p, message in err.problems]) from err


def read_automations(
    doc: LocatedDocument,
    location_raw: Any,
    devices: DevicesConfig,
    hub: HubSettings,
    device_problems: list[ConfigProblem],
) -> tuple[m.AutomationSet, list[ConfigProblem]]:
    """hearth.yaml's `location` and the config folder's automations.yaml, with their problems."""
    location, location_problems = read_location(location_raw)
    problems = [doc.problem(path, message) for path, message in location_problems]
    if device_problems:
        return m.AutomationSet(location=location), problems
    home = automation_home(devices, (c.name for c in hub.clients), location)
    try:
        return load_automations(Path(doc.file).parent, home), problems
    except ConfigError as err:
        return m.AutomationSet(location=location), problems + err.problems
