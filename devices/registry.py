"""Sans-I/O registry of configured devices and their last reported state."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from devices.config import DevicesConfig
from devices.model import Area, DeviceSpec
from devices.protocols import decode, state_topics


@dataclass(frozen=True, slots=True)
class StateChange:
    """A state report applied to a device: what it said, the merged state after it, and whether it changed."""

    device_id: str
    update: dict[str, Any]
    state: dict[str, Any]
    changed: bool


class Registry:
    """Devices by id and by state topic, with the state merged from every report."""

    def __init__(self, config: DevicesConfig) -> None:
        self._config = config
        self._devices: dict[str, DeviceSpec] = {spec.id: spec for spec in config.devices}
        self._areas: dict[str, Area] = {area.id: area for area in config.areas}
        self._states: dict[str, dict[str, Any]] = {spec.id: {} for spec in config.devices}
        self._by_topic: dict[str, DeviceSpec] = {}
        for spec in config.devices:
            for topic in state_topics(spec):
                self._by_topic.setdefault(topic, spec)

    @property
    def config(self) -> DevicesConfig:
        """The configuration this registry was built from."""
        return self._config

    def get(self, device_id: str) -> DeviceSpec | None:
        """The device with this id, or None."""
        return self._devices.get(device_id)

    def device(self, device_id: str) -> DeviceSpec:
        """The device with this id; KeyError if unknown."""
        return self._devices[device_id]

    def __contains__(self, device_id: object) -> bool:
        return device_id in self._devices

    def devices(self) -> tuple[DeviceSpec, ...]:
        """All devices, in configuration order."""
        return self._config.devices

    def areas(self) -> tuple[Area, ...]:
        """All areas, in configuration order."""
        return self._config.areas

    def area(self, area_id: str) -> Area | None:
        """The area with this id, or None."""
        return self._areas.get(area_id)

    def devices_in_area(self, area_id: str) -> tuple[DeviceSpec, ...]:
        """The devices placed in an area."""
        return tuple(spec for spec in self._config.devices if spec.area == area_id)

    def state(self, device_id: str) -> dict[str, Any]:
        """A copy of the device's last known state ({} before its first report); KeyError if unknown."""
        return copy.deepcopy(self._states[device_id])

    def states(self) -> dict[str, dict[str, Any]]:
        """A copy of every device's last known state, by id."""
        return copy.deepcopy(self._states)

    def device_for_topic(self, topic: str) -> DeviceSpec | None:
        """The device that reports its state on this exact topic, if any."""
        return self._by_topic.get(topic)

    def subscriptions(self) -> list[str]:
        """Topic filters that cover every device's state reports."""
        return list(self._by_topic)

    def apply(self, topic: str, payload: bytes) -> StateChange | None:
        """Merge a state report into its device's state; None when the topic or payload says nothing."""
        spec = self._by_topic.get(topic)
        if spec is None:
            return None
        update = decode(spec, topic, payload)
        if not update:
            return None
        return self.merge(spec.id, update)

    def merge(self, device_id: str, update: Mapping[str, Any]) -> StateChange:
        """Merge already-decoded canonical keys into a device's state."""
        state = self._states[device_id]
        changed = any(key not in state or state[key] != value for key, value in update.items())
        state.update(copy.deepcopy(dict(update)))
        return StateChange(
            device_id=device_id,
            update=copy.deepcopy(dict(update)),
            state=copy.deepcopy(state),
            changed=changed,
        )
