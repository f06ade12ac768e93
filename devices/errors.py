"""Errors of the devices package, each with a stable kebab-case code."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # config imports this module
    from devices.config import DevicesConfig

Path = tuple[str | int, ...]


class ErrorCode(StrEnum):
    """Stable codes carried by ActionResult and CommandError; clients may switch on them."""

    DEVICE_UNKNOWN = "device-unknown"
    ACTION_UNSUPPORTED = "action-unsupported"
    INVALID_PARAMS = "invalid-params"
    DEVICE_TIMEOUT = "device-timeout"
    MQTT_UNAVAILABLE = "mqtt-unavailable"


class CommandError(Exception):
    """A command that cannot be turned into MQTT messages; nothing was published."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class DeviceConfigError(Exception):
    """devices.yaml is invalid: `problems` lists every (path from the root, message)."""

    # `partial` (None when the document was unusable) lets a caller validate the rest of its configuration,
    # e.g. areas referenced from hearth.yaml, without errors cascading from one bad device.

    code = "config-invalid"

    def __init__(self, problems: list[tuple[Path, str]], partial: DevicesConfig | None = None) -> None:
        self.problems = problems
        self.partial = partial
        lines = [f"{format_path(path)}: {message}" for path, message in problems]
        super().__init__("invalid devices configuration:\n  " + "\n  ".join(lines))


class MqttUnavailable(Exception):
    """The MQTT broker cannot be reached or the connection is down."""

    code = ErrorCode.MQTT_UNAVAILABLE.value


def format_path(path: Path) -> str:
    """Render a config path like `devices[3].type` for humans."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "<root>"
