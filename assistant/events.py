"""Protocol v1 wire events: one frozen dataclass per event type, with symmetric to_dict/from_dict."""

import dataclasses
import types
import typing
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Self, Union

if TYPE_CHECKING:
    from devices.service import ActionResult

PROTOCOL_VERSION = 1


class Stage(StrEnum):
    """Pipeline stages, each timed in `run-end`."""

    VAD = "vad"
    STT = "stt"
    INTENT = "intent"
    ACTION = "action"
    REPLY = "reply"
    TTS = "tts"
    LLM = "llm"  # the model's turns, its tool calls and the sentences spoken while it streams


class EventError(ValueError):
    """A frame that is not a valid event; `code` is stable and sent back to the client."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


@dataclasses.dataclass(frozen=True, slots=True)
class Event:
    """Base of all wire events; `TYPE` is the value of the `type` key on the wire."""

    TYPE: ClassVar[str] = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON object for this event; optional fields left at None are omitted."""
        out: dict[str, Any] = {"type": self.TYPE}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Build the event from a JSON object, checking required keys and value types."""
        hints = _hints(cls)
        kwargs: dict[str, Any] = {}
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names - {"type"})
        if unknown:
            raise EventError("bad-event", f"{cls.TYPE}: unknown key(s) {', '.join(map(repr, unknown))}")
        for f in dataclasses.fields(cls):
            if f.name in data:
                value = data[f.name]
                if not _matches(value, hints[f.name]):
                    raise EventError("bad-event", f"{cls.TYPE}: {f.name!r} has the wrong type")
                kwargs[f.name] = value
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise EventError("bad-event", f"{cls.TYPE}: missing key {f.name!r}")
        return cls(**kwargs)


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    return hints


def _matches(value: Any, hint: Any) -> bool:
    """Shallow runtime check of a JSON value against a field annotation."""
    if hint is Any:
        return True
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        return any(_matches(value, arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin is not None:
        return isinstance(value, origin)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


# ---- client -> hub -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Hello(Event):
    """First frame from a client: who it is and its token."""

    TYPE: ClassVar[str] = "hello"
    token: str
    client: str | None = None
    area: str | None = None
    protocol: int | None = None
    tts: bool | None = None  # speak every reply of this session


@dataclasses.dataclass(frozen=True, slots=True)
class Run(Event):
    """Start a turn: text now, or audio frames that follow (audio arrives with the voice-in work)."""

    TYPE: ClassVar[str] = "run"
    id: str
    text: str | None = None
    audio: dict[str, Any] | None = None
    image: str | None = None
    tts: bool | None = None  # speak this run's reply (overrides the session's choice from hello)
    action: dict[str, Any] | None = None  # {"device": id, "command": "toggle"}: a tap on one exact device


@dataclasses.dataclass(frozen=True, slots=True)
class AudioEnd(Event):
    """The client finished sending audio for the current run."""

    TYPE: ClassVar[str] = "audio-end"
    id: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Cancel(Event):
    """Stop a run in progress."""

    TYPE: ClassVar[str] = "cancel"
    id: str


@dataclasses.dataclass(frozen=True, slots=True)
class ContextRequest(Event):
    """Debug request: send back the session's context window."""

    TYPE: ClassVar[str] = "context"
    id: str | None = None


# ---- hub -> client -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Welcome(Event):
    """The hub accepted the hello."""

    TYPE: ClassVar[str] = "welcome"
    session: str
    protocol: int = PROTOCOL_VERSION
    client: str | None = None
    area: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class HomeEvent(Event):
    """The home's areas and devices (sent after welcome), so a client can name and group device states."""

    TYPE: ClassVar[str] = "home"
    areas: list[dict[str, Any]]  # {"id", "name"} in configuration order
    devices: list[dict[str, Any]]  # {"id", "name", "type", "area"} in configuration order


@dataclasses.dataclass(frozen=True, slots=True)
class Error(Event):
    """Something went wrong; `code` is stable kebab-case, `message` is for people."""

    TYPE: ClassVar[str] = "error"
    code: str
    message: str
    id: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class RunStart(Event):
    """A run began."""

    TYPE: ClassVar[str] = "run-start"
    id: str
    text: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class VadStart(Event):
    """Speech began in the audio of a run."""

    TYPE: ClassVar[str] = "vad-start"
    id: str


@dataclasses.dataclass(frozen=True, slots=True)
class VadEnd(Event):
    """Speech ended in the audio of a run."""

    TYPE: ClassVar[str] = "vad-end"
    id: str
    reason: str | None = None  # silence | early | max-length | audio-end | timeout


@dataclasses.dataclass(frozen=True, slots=True)
class Transcript(Event):
    """Recognised speech, partial while the person is still talking."""

    TYPE: ClassVar[str] = "transcript"
    id: str
    text: str
    partial: bool = False
    confidence: float | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class IntentEvent(Event):
    """What the utterance was understood to mean."""

    TYPE: ClassVar[str] = "intent"
    id: str
    name: str
    slots: dict[str, Any]
    confidence: float
    source: str


@dataclasses.dataclass(frozen=True, slots=True)
class ActionEvent(Event):
    """A device command and its outcome (`ok` once the device confirmed its new state)."""

    TYPE: ClassVar[str] = "action"
    id: str
    device: str
    command: str
    ok: bool
    topic: str | None = None
    payload: str | None = None
    code: str | None = None
    message: str | None = None

    @classmethod
    def of_result(cls, run_id: str, result: "ActionResult") -> Self:
        """The event reporting one device command's outcome, as the device service returned it."""
        return cls(
            id=run_id,
            device=result.device_id,
            command=result.action.value,
            ok=result.ok,
            topic=result.topic,
            payload=result.payload,
            code=result.code,
            message=result.message or None,
        )


@dataclasses.dataclass(frozen=True, slots=True)
class Reply(Event):
    """The answer to the user."""

    TYPE: ClassVar[str] = "reply"
    id: str
    text: str
    partial: bool | None = None  # one sentence of a streamed answer; the reply without it is the whole one


@dataclasses.dataclass(frozen=True, slots=True)
class TtsStart(Event):
    """Reply audio follows as binary frames."""

    TYPE: ClassVar[str] = "tts-start"
    id: str
    format: str  # pcm16: signed 16-bit little-endian samples
    rate: int
    width: int = 2
    channels: int = 1


@dataclasses.dataclass(frozen=True, slots=True)
class TtsEnd(Event):
    """Reply audio is complete."""

    TYPE: ClassVar[str] = "tts-end"
    id: str
    cached: bool | None = None  # the audio came from the reply cache
    synthesis_ms: float | None = None  # from the reply text until all its audio was made (or read)
    first_audio_ms: float | None = None  # from the reply text to the first frame queued


@dataclasses.dataclass(frozen=True, slots=True)
class RunEnd(Event):
    """Always the last event of a run: success and per-stage timings in milliseconds."""

    TYPE: ClassVar[str] = "run-end"
    id: str
    ok: bool
    timings: dict[str, float]
    code: str | None = None
    route: str | None = None  # "llm" when the model answered; absent for the local layers
    reason: str | None = None  # why the model was used: no-local-match | image | open-question


@dataclasses.dataclass(frozen=True, slots=True)
class StateEvent(Event):
    """A device reported a new state (sent outside runs)."""

    TYPE: ClassVar[str] = "state"
    device: str
    state: dict[str, Any]


@dataclasses.dataclass(frozen=True, slots=True)
class TimerEvent(Event):
    """A timer started, was cancelled or finished (`remaining` in seconds)."""

    TYPE: ClassVar[str] = "timer"
    timer: int
    state: str
    duration: float
    remaining: float
    name: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Announce(Event):
    """A message for the people near this client."""

    TYPE: ClassVar[str] = "announce"
    text: str


@dataclasses.dataclass(frozen=True, slots=True)
class ContextEvent(Event):
    """The session's context window, oldest turn first."""

    TYPE: ClassVar[str] = "context"
    turns: list[dict[str, Any]]
    id: str | None = None


CLIENT_EVENTS: dict[str, type[Event]] = {
    cls.TYPE: cls for cls in (Hello, Run, AudioEnd, Cancel, ContextRequest)
}
HUB_EVENTS: dict[str, type[Event]] = {
    cls.TYPE: cls
    for cls in (
        Welcome,
        HomeEvent,
        Error,
        RunStart,
        VadStart,
        VadEnd,
        Transcript,
        IntentEvent,
        ActionEvent,
        Reply,
        TtsStart,
        TtsEnd,
        RunEnd,
        StateEvent,
        TimerEvent,
        Announce,
        ContextEvent,
    )
}


def parse_event(data: Any, registry: dict[str, type[Event]]) -> Event:
    """Turn a decoded JSON value into an event of `registry`; raise EventError when it is not one."""
    if not isinstance(data, dict):
        raise EventError("bad-event", "a frame must be a JSON object")
    kind = data.get("type")
    if not isinstance(kind, str):
        raise EventError("bad-event", "missing 'type'")
    cls = registry.get(kind)
    if cls is None:
        raise EventError("unknown-type", f"unknown event type {kind!r}")
    return cls.from_dict(data)
