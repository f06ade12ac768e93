"""Sans-I/O core of a satellite: hub frames, keys and audio frames in; what to send, play and show out."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .events import PROTOCOL_VERSION, AudioEnd, Hello, Run
from .say import describe

# Errors after which connecting again cannot help: the satellite stops instead of retrying forever.
FATAL_CODES = frozenset({"unauthorized", "protocol-version"})
FRAME_MS = 20  # microphone and file audio go out in frames this long


class Phase(StrEnum):
    """Where the satellite is with its hub."""

    DISCONNECTED = "disconnected"
    HELLO_SENT = "hello-sent"
    READY = "ready"
    STOPPED = "stopped"  # a fatal error: do not reconnect


@dataclass(frozen=True, slots=True)
class SendJson:
    """Send this event as a text frame."""

    event: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SendAudio:
    """Send this microphone audio as a binary frame."""

    data: bytes


@dataclass(frozen=True, slots=True)
class StartCapture:
    """A turn began: drop stale microphone audio and start feeding `audio()`."""

    run_id: str


@dataclass(frozen=True, slots=True)
class StopCapture:
    """The utterance is over (VAD, key or end of file): stop streaming."""


@dataclass(frozen=True, slots=True)
class PlayStart:
    """Reply audio follows: PCM16 at this rate."""

    rate: int
    channels: int


@dataclass(frozen=True, slots=True)
class PlayAudio:
    """A chunk of reply audio."""

    data: bytes


@dataclass(frozen=True, slots=True)
class PlayEnd:
    """The reply audio is complete."""


@dataclass(frozen=True, slots=True)
class Show:
    """A line for the user."""

    line: str


@dataclass(frozen=True, slots=True)
class Ready:
    """The hub welcomed us: turns may start."""


@dataclass(frozen=True, slots=True)
class TurnEnded:
    """The turn's run ended (or could not start)."""

    ok: bool
    code: str | None = None


@dataclass(frozen=True, slots=True)
class Reconnect:
    """The connection is gone: connect again after `delay` seconds."""

    delay: float


@dataclass(frozen=True, slots=True)
class Fatal:
    """Stop: retrying cannot help (bad token, wrong protocol)."""

    code: str
    message: str


Decision = (
    SendJson
    | SendAudio
    | StartCapture
    | StopCapture
    | PlayStart
    | PlayAudio
    | PlayEnd
    | Show
    | Ready
    | TurnEnded
    | Reconnect
    | Fatal
)


@dataclass
class Backoff:
    """Exponential reconnect delays, capped, with optional jitter so many satellites do not retry together."""

    initial: float = 0.5
    factor: float = 2.0
    cap: float = 30.0
    jitter: float = 0.1  # +- this fraction of the delay
    rng: random.Random = field(default_factory=random.Random)
    _next: float = 0.0

    def __post_init__(self) -> None:
        self._next = self.initial

    def next_delay(self) -> float:
        """The delay before the next attempt; each call waits longer, up to `cap`."""
        delay = self._next
        self._next = min(self._next * self.factor, self.cap)
        spread = delay * self.jitter
        return max(0.0, delay + self.rng.uniform(-spread, spread)) if spread else delay

    def reset(self) -> None:
        """A connection succeeded: start from `initial` again next time."""
        self._next = self.initial


@dataclass(frozen=True, slots=True)
class Identity:
    """How the satellite introduces itself."""

    token: str = field(repr=False)
    client: str = "satellite"
    area: str | None = None
    tts: bool = True
    rate: int = 16000
    channels: int = 1


class SatelliteCore:
    """The satellite's protocol state, free of sockets, audio devices and asyncio."""

    def __init__(self, identity: Identity, backoff: Backoff | None = None) -> None:
        self.identity = identity
        self.backoff = backoff or Backoff()
        self.phase = Phase.DISCONNECTED
        self.run_id: str | None = None
        self.streaming = False  # microphone audio goes to the hub
        self.playing = False
        self.welcomes = 0
        self._run_started = False
        self._turns = 0

    # ---- connection -------------------------------------------------------------------------------

    def connected(self) -> list[Decision]:
        """The WebSocket opened: say hello (asking for spoken replies)."""
        self.phase = Phase.HELLO_SENT
        ident = self.identity
        hello = Hello(
            token=ident.token, client=ident.client, area=ident.area, protocol=PROTOCOL_VERSION, tts=ident.tts
        )
        return [SendJson(hello.to_dict())]

    def disconnected(self, reason: str = "") -> list[Decision]:
        """The connection closed or could not be opened; unless stopped, reconnect after a backoff delay."""
        decisions = self._abandon_turn("connection-lost")
        if self.phase is Phase.STOPPED:
            return decisions
        self.phase = Phase.DISCONNECTED
        delay = self.backoff.next_delay()
        why = f" ({reason})" if reason else ""
        return [*decisions, Show(f"not connected to the hub{why}"), Reconnect(delay)]

    def _abandon_turn(self, code: str) -> list[Decision]:
        decisions: list[Decision] = []
        if self.streaming:
            self.streaming = False
            decisions.append(StopCapture())
        if self.playing:
            self.playing = False
            decisions.append(PlayEnd())
        if self.run_id is not None:
            self.run_id = None
            decisions.append(TurnEnded(False, code))
        return decisions

    # ---- the user -----------------------------------------------------------------------------------

    def start_turn(self) -> list[Decision]:
        """Begin a spoken turn (a key press, continuous mode, or a file); ignored while one is going."""
        if self.phase is not Phase.READY or self.run_id is not None:
            return []
        self._turns += 1
        self.run_id, self._run_started, self.streaming = f"turn-{self._turns}", False, True
        audio = {"rate": self.identity.rate, "width": 2, "channels": self.identity.channels}
        return [SendJson(Run(id=self.run_id, audio=audio).to_dict()), StartCapture(self.run_id)]

    def audio(self, data: bytes) -> list[Decision]:
        """A frame of microphone (or file) audio: sent while a turn is streaming, else dropped."""
        return [SendAudio(data)] if self.streaming and data else []

    def end_audio(self) -> list[Decision]:
        """The user (or the end of a file) ended the utterance before the hub's VAD did."""
        if not self.streaming:
            return []
        self.streaming = False
        return [StopCapture(), SendJson(AudioEnd(id=self.run_id).to_dict())]

    # ---- the hub ------------------------------------------------------------------------------------

    def on_binary(self, data: bytes) -> list[Decision]:
        """Reply audio (between tts-start and tts-end)."""
        return [PlayAudio(data)] if self.playing else []

    def on_text(self, text: str) -> list[Decision]:
        """One event from the hub."""
        try:
            event = json.loads(text)
        except ValueError:
            return [Show(f"hub sent a frame that is not JSON: {text[:80]!r}")]
        if not isinstance(event, dict):
            return []
        kind = event.get("type")
        mine = event.get("id") is not None and event.get("id") == self.run_id
        if kind == "welcome":
            return self._welcome(event)
        if kind == "error":
            return self._error(event, mine)
        if kind == "tts-start":
            self.playing = True
            return [PlayStart(int(event.get("rate", 22050)), int(event.get("channels", 1)))]
        if kind == "tts-end":
            was, self.playing = self.playing, False
            return [PlayEnd()] if was else []
        if not mine:
            return [Show(describe(event))] if kind in ("timer", "announce") else []
        return self._run_event(kind, event)

    def _welcome(self, event: dict[str, Any]) -> list[Decision]:
        self.phase = Phase.READY
        self.welcomes += 1
        self.backoff.reset()
        area = event.get("area")
        return [Show(f"connected as {event.get('client')}{f' in {area}' if area else ''}"), Ready()]

    def _error(self, event: dict[str, Any], mine: bool) -> list[Decision]:
        code = str(event.get("code", "error"))
        if code in FATAL_CODES:
            self.phase = Phase.STOPPED
            return [*self._abandon_turn(code), Fatal(code, str(event.get("message", "")))]
        decisions: list[Decision] = [Show(describe(event))]
        if mine and not self._run_started:  # refused before it began (busy, bad format): no run-end comes
            decisions += self._abandon_turn(code)
        return decisions

    def _run_event(self, kind: Any, event: dict[str, Any]) -> list[Decision]:
        if kind == "run-start":
            self._run_started = True
            return []
        if kind == "vad-end":
            # The hub heard the end of the utterance: stop sending (audio-end keeps both sides in step).
            return self.end_audio()
        if kind == "transcript" and event.get("partial"):
            return []
        if kind in ("transcript", "intent", "action", "reply"):
            return [Show(describe(event))]
        if kind != "run-end":
            return []
        decisions: list[Decision] = [Show(describe(event))]
        if self.streaming:
            self.streaming = False
            decisions.append(StopCapture())
        self.run_id = None
        code = event.get("code")
        return [*decisions, TurnEnded(bool(event.get("ok")), str(code) if code else None)]
