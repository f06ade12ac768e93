"""Sans-I/O core of one hub connection: frames in, decisions out (send, start a run, close)."""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from .config import ClientSpec
from .events import (
    CLIENT_EVENTS,
    PROTOCOL_VERSION,
    AudioEnd,
    Cancel,
    ContextRequest,
    Error,
    Event,
    EventError,
    Hello,
    Run,
    Welcome,
    parse_event,
)
from .speech.audio import AudioFormatError, parse_audio_format

# WebSocket close codes used by the hub.
CLOSE_NORMAL = 1000
CLOSE_POLICY = 1008  # unauthorized or protocol misuse


class Phase(StrEnum):
    """Where a connection is in its life."""

    AWAIT_HELLO = "await-hello"
    READY = "ready"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Send:
    """Send this event to the client."""

    event: Event


@dataclass(frozen=True, slots=True)
class Close:
    """Close the connection."""

    code: int
    reason: str


@dataclass(frozen=True, slots=True)
class StartRun:
    """Begin processing a run."""

    run: Run


@dataclass(frozen=True, slots=True)
class CancelRun:
    """Stop the run with this id."""

    id: str


@dataclass(frozen=True, slots=True)
class ShowContext:
    """Send the session's context window."""

    id: str | None


@dataclass(frozen=True, slots=True)
class FeedAudio:
    """Hand a binary frame to the audio run `id`."""

    id: str
    data: bytes


@dataclass(frozen=True, slots=True)
class EndAudio:
    """The client finished the audio of run `id`."""

    id: str


Decision = Send | Close | StartRun | CancelRun | ShowContext | FeedAudio | EndAudio


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a connection turned out to be after `hello`."""

    session: str
    client: str
    area: str | None
    tts: bool = False  # the client asked in hello for every reply to be spoken


class HubConnection:
    """The protocol state machine of one client connection, free of sockets and asyncio."""

    def __init__(
        self, clients: Sequence[ClientSpec], area_ids: frozenset[str], *, max_active_runs: int = 4
    ) -> None:
        self._clients = tuple(clients)
        self._area_ids = area_ids
        self._max_active_runs = max_active_runs
        self.phase = Phase.AWAIT_HELLO
        self.identity: Identity | None = None
        self.active_runs: set[str] = set()
        # The run that binary frames belong to, until the client's audio-end.
        self.audio_run: str | None = None
        # An audio run the hub already finished (endpointed by VAD): the client may still be streaming.
        self._finished_audio_run: str | None = None

    def receive_text(self, text: str) -> list[Decision]:
        """Handle one text frame."""
        if self.phase is Phase.CLOSED:
            return []
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as err:
            return self._reject(EventError("bad-json", f"frame is not valid JSON: {err}"))
        try:
            event = parse_event(data, CLIENT_EVENTS)
        except EventError as err:
            return self._reject(err)
        if self.phase is Phase.AWAIT_HELLO:
            return self._hello(event)
        return self._ready(event)

    def receive_bytes(self, data: bytes) -> list[Decision]:
        """Handle one binary frame (audio): refused until a run has asked for audio."""
        if self.phase is Phase.AWAIT_HELLO:
            return self._unauthorized("send hello with your token first")
        if self.phase is Phase.CLOSED:
            return []
        if self.audio_run is not None:
            return [FeedAudio(self.audio_run, data)] if data else []
        if self._finished_audio_run is not None:
            return []  # frames still in flight after the hub ended the utterance: nothing to say
        return [Send(Error(code="no-audio-run", message="binary audio arrived without an audio run"))]

    def run_finished(self, run_id: str) -> None:
        """Forget a run once its run-end went out."""
        self.active_runs.discard(run_id)
        if self.audio_run == run_id:
            self.audio_run = None
            self._finished_audio_run = run_id

    def close(self) -> None:
        """The transport closed."""
        self.phase = Phase.CLOSED

    def _reject(self, err: EventError) -> list[Decision]:
        if self.phase is Phase.AWAIT_HELLO:
            return self._unauthorized(f"send hello with your token first ({err.message})")
        return [Send(Error(code=err.code, message=err.message))]

    def _unauthorized(self, message: str) -> list[Decision]:
        self.phase = Phase.CLOSED
        return [Send(Error(code="unauthorized", message=message)), Close(CLOSE_POLICY, "unauthorized")]

    def _hello(self, event: Event) -> list[Decision]:
        if not isinstance(event, Hello):
            return self._unauthorized("the first frame must be hello with your token")
        client = self._authenticate(event.token)
        if client is None:
            return self._unauthorized("unknown token")
        if event.protocol is not None and event.protocol != PROTOCOL_VERSION:
            self.phase = Phase.CLOSED
            message = f"this hub speaks protocol {PROTOCOL_VERSION}, not {event.protocol}"
            return [Send(Error(code="protocol-version", message=message)), Close(CLOSE_POLICY, "protocol")]
        decisions: list[Decision] = []
        area = client.area
        if event.area is not None:
            if event.area in self._area_ids:
                area = event.area
            else:
                message = f"unknown area {event.area!r}; using {area or 'none'}"
                decisions.append(Send(Error(code="unknown-area", message=message)))
        self.identity = Identity(
            session=secrets.token_hex(8), client=client.name, area=area, tts=bool(event.tts)
        )
        self.phase = Phase.READY
        welcome = Welcome(session=self.identity.session, client=client.name, area=area)
        return [Send(welcome), *decisions]

    def _authenticate(self, token: str) -> ClientSpec | None:
        found = None
        for client in self._clients:
            # Compare against every client in constant time so timing says nothing about which matched.
            if hmac.compare_digest(client.token.encode(), token.encode()):
                found = client
        return found

    def _ready(self, event: Event) -> list[Decision]:
        if isinstance(event, Hello):
            return [Send(Error(code="bad-event", message="already said hello"))]
        if isinstance(event, Run):
            return self._run(event)
        if isinstance(event, Cancel):
            if event.id not in self.active_runs:
                return [
                    Send(Error(code="unknown-run", message=f"no run {event.id!r} in progress", id=event.id))
                ]
            return [CancelRun(event.id)]
        if isinstance(event, AudioEnd):
            return self._audio_end(event)
        if isinstance(event, ContextRequest):
            return [ShowContext(event.id)]
        return [Send(Error(code="unknown-type", message=f"{event.TYPE!r} is not accepted here"))]

    def _run(self, run: Run) -> list[Decision]:
        if not run.id or len(run.id) > 100:
            return [Send(Error(code="bad-event", message="run id must be 1-100 characters"))]
        if run.id in self.active_runs:
            return [Send(Error(code="duplicate-run", message=f"run {run.id!r} is in progress", id=run.id))]
        if len(self.active_runs) >= self._max_active_runs:
            return [Send(Error(code="busy", message="too many runs in progress", id=run.id))]
        if [run.text, run.audio, run.action].count(None) != 2:
            message = "run needs exactly one of 'text', 'audio' or 'action'"
            return [Send(Error(code="bad-event", message=message, id=run.id))]
        if run.audio is not None:
            if self.audio_run is not None:
                message = f"audio run {self.audio_run!r} is still streaming; send audio-end first"
                return [Send(Error(code="audio-busy", message=message, id=run.id))]
            try:
                parse_audio_format(run.audio)
            except AudioFormatError as err:
                return [Send(Error(code=err.code, message=str(err), id=run.id))]
            self.audio_run, self._finished_audio_run = run.id, None
        self.active_runs.add(run.id)
        return [StartRun(run)]

    def _audio_end(self, event: AudioEnd) -> list[Decision]:
        run_id = self.audio_run
        if run_id is not None and event.id in (None, run_id):
            self.audio_run = None
            return [EndAudio(run_id)]
        if self._finished_audio_run is not None and event.id in (None, self._finished_audio_run):
            self._finished_audio_run = None  # the hub had already ended this utterance
            return []
        return [Send(Error(code="no-audio-run", message="audio-end without an audio run", id=event.id))]
