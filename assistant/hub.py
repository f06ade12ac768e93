"""The asyncio WebSocket hub: serves /ws (protocol v1) and the page at /, pumping the sans-I/O cores."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from devices.broker import ManagedBroker
from devices.mqtt import MqttClient
from devices.registry import Registry, StateChange
from devices.service import DeviceService
from devices.simulator import DeviceSimulator
from intents.classifier import default_cache_dir
from intents.context import ContextWindow

from .automations import AutomationOptions, AutomationService, start_automations
from .config import HearthConfig
from .events import ContextEvent, Error, Event, RunEnd, StateEvent
from .pipeline import (
    Pipeline,
    RunRequest,
    Speak,
    Speaker,
    build_understander,
    home_vocabulary,
    load_classifier,
)
from .protocol import (
    CancelRun,
    Close,
    Decision,
    EndAudio,
    FeedAudio,
    HubConnection,
    Send,
    ShowContext,
    StartRun,
)
from .redact import redacted_logger
from .speech.engines import build_listener
from .speech.inbox import AudioInbox
from .speech.listen import Listener
from .timers import TimerService
from .tts.engine import build_engine as build_tts_engine
from .tts.service import AudioFrame, TtsService, unavailable
from .webpage import SECURITY_HEADERS, home_event, load_static

if TYPE_CHECKING:
    # Imported when a home configures `llm` (see Hub._llm_stage): the HTTP client is ~4 MB resident.
    from .llm.client import LlmClient
    from .llm.route import LlmStage

log = logging.getLogger("hearth.hub")

OUTBOX_LIMIT = 1024  # events queued for one client before it counts as too slow and is dropped
# Where `hearth certs` puts the CA certificate (assistant/certs.py: CERTS_DIR / CA_CERT). Named here so
# that a hub without one never imports the certificate code, and with it the cryptography package (~8 MB).
CA_FILE = ("certs", "ca.pem")


@dataclass(eq=False)
class ClientSession:
    """One connected client: its protocol state, outgoing queue, context window and runs."""

    connection: ServerConnection
    protocol: HubConnection
    context: ContextWindow
    outbox: asyncio.Queue[str | AudioFrame | None]
    runs: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    audio: dict[str, AudioInbox] = field(default_factory=dict)

    @classmethod
    def open(
        cls, connection: ServerConnection, protocol: HubConnection, context: ContextWindow, devices: int
    ) -> ClientSession:
        """A session whose outbox also fits the state snapshot sent after welcome."""
        return cls(connection, protocol, context, asyncio.Queue(OUTBOX_LIMIT + devices))

    def send(self, event: Event) -> None:
        """Queue an event for the client, preserving order; a client that cannot keep up is closed."""
        try:
            self.outbox.put_nowait(json.dumps(event.to_dict(), separators=(",", ":")))
        except asyncio.QueueFull:
            log.warning("client %s is not reading its events; closing", self.name)
            self.connection.transport.abort()

    def send_audio(self, frame: AudioFrame) -> None:
        """Queue a binary frame of reply audio behind the events before it."""
        try:
            self.outbox.put_nowait(frame)
        except asyncio.QueueFull:
            log.warning("client %s is not reading its events; closing", self.name)
            self.connection.transport.abort()

    def backlog(self) -> int:
        """How many events and frames wait to be written."""
        return self.outbox.qsize()

    @property
    def name(self) -> str:
        identity = self.protocol.identity
        return identity.client if identity else "?"


class Hub:
    """Owns the broker connection, device service, pipeline and WebSocket server of one home."""

    def __init__(
        self,
        config: HearthConfig,
        *,
        simulate: bool = False,
        automation_options: AutomationOptions | None = None,
    ) -> None:
        self.config = config
        self._simulate = simulate
        self._automation_options = automation_options  # tests move the automations' clock by hand
        self.automations: AutomationService | None = None
        self._broker: ManagedBroker | None = None
        self._mqtt: MqttClient | None = None
        self._sim_mqtt: MqttClient | None = None
        self._simulator: DeviceSimulator | None = None
        self._server: Server | None = None
        self.registry = Registry(config.devices)
        self.devices: DeviceService | None = None
        self.pipeline: Pipeline | None = None
        self.timers: TimerService | None = None
        self.listener: Listener | None = None
        self.sessions: set[ClientSession] = set()
        self.tts: TtsService | None = None
        self.llm: LlmClient | None = None
        self._prewarm: asyncio.Task[None] | None = None
        self._area_ids = frozenset(area.id for area in config.devices.areas)
        self._static = load_static()
        if config.directory.joinpath(*CA_FILE).is_file():
            from .certs import ca_download

            self._static.update(ca_download(config.directory))  # /ca.pem: the public CA cert, for phones
        self._home = home_event(config.devices)

    @property
    def port(self) -> int:
        """The TCP port the hub listens on (useful when configured with port 0)."""
        if self._server is None:
            raise RuntimeError("hub is not started")
        sockets = list(self._server.sockets)
        return int(sockets[0].getsockname()[1])

    @property
    def broker_address(self) -> tuple[str, int]:
        """Host and port of the MQTT broker in use."""
        if self._broker is not None:
            return self._broker.host, self._broker.port
        return self.config.mqtt.host, self.config.mqtt.port

    async def start(self) -> None:
        """Start the broker (when managed), MQTT, devices, pipeline and the WebSocket server."""
        devices = await self._connect_devices()
        # Loading a model or building a grammar takes a while: keep the loop free meanwhile, and load the
        # classifier and the speech engine side by side.
        (classifier, trained), self.listener = await asyncio.gather(
            # A classifier to train is trained in a child process: training's memory goes when it exits.
            asyncio.to_thread(load_classifier, self.config, apart=True),
            asyncio.to_thread(build_listener, self.config.asr, home_vocabulary(self.config)),
        )
        if trained:
            log.info("trained the intent classifier for this configuration")
        self.timers = TimerService(self.config.intents, self._notify)
        self.timers.start()
        self.automations = await start_automations(self, self._automation_options)
        understander = build_understander(self.config, classifier)
        remembered = understander.load_recognitions(default_cache_dir())
        if remembered:
            log.info("recognition cache: %d utterances from the last run with this home", remembered)
        tts_engine = await asyncio.to_thread(build_tts_engine, self.config.tts)
        if tts_engine is not None:
            self.tts = TtsService.create(tts_engine, self.config.tts, default_cache_dir())
        self.pipeline = Pipeline(
            self.config,
            self.registry,
            devices,
            understander=understander,
            timers=self.timers,
            listener=self.listener,
            llm=self._llm_stage(),
            automations=self.automations,
        )
        hub_cfg = self.config.hub
        self._server = await serve(
            self._handle,
            hub_cfg.host,
            hub_cfg.port,
            process_request=self._http,
            max_size=hub_cfg.max_frame_bytes,
            ssl=_server_tls(self.config),
            server_header="Hearth",
            logger=redacted_logger("hearth.ws"),  # websockets logs frames at DEBUG: hello has the token
        )
        if self.tts is not None and self.config.tts.prewarm:
            self._prewarm = asyncio.create_task(self._prewarm_tts())
        self.automations.started()

    async def stop(self) -> None:
        """Close client connections, the server, MQTT and the managed broker."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        if self.pipeline is not None:
            try:  # what utterances meant, for a warm start next time
                self.pipeline.understander.save_recognitions(default_cache_dir())
            except OSError as err:
                log.warning("could not save the recognition cache: %s", err)
        if self._prewarm is not None:
            self._prewarm.cancel()
            await asyncio.gather(self._prewarm, return_exceptions=True)
        if self.tts is not None:
            self.tts.close()
        if self.llm is not None:
            await self.llm.aclose()
        if self.automations is not None:
            await self.automations.stop()
        if self.timers is not None:
            await self.timers.stop()
        if self.listener is not None:
            self.listener.close()
        for client in (self._simulator, self.devices):
            if client is not None:
                await client.stop()
        for mqtt in (self._mqtt, self._sim_mqtt):
            if mqtt is not None:
                await mqtt.stop()
        if self._broker is not None:
            await self._broker.stop_async()

    async def _connect_devices(self) -> DeviceService:
        """The broker (when managed), the MQTT connection, the simulator (when asked) and the devices."""
        mqtt_cfg = self.config.mqtt
        if mqtt_cfg.managed:
            self._broker = ManagedBroker(host="127.0.0.1", port=mqtt_cfg.port)
            await self._broker.start_async()
        host, port = self.broker_address
        tls = ssl.create_default_context() if mqtt_cfg.tls else None

        def client(client_id: str) -> MqttClient:
            return MqttClient(
                host,
                port,
                client_id=client_id,
                username=mqtt_cfg.username,
                password=mqtt_cfg.password,
                tls=tls,
            )

        self._mqtt = client(mqtt_cfg.client_id)
        await self._mqtt.start()
        if self._simulate:
            self._sim_mqtt = client(f"{mqtt_cfg.client_id}-simulator")
            await self._sim_mqtt.start()
            self._simulator = DeviceSimulator(self.config.devices, self._sim_mqtt)
            await self._simulator.start()
        self.devices = DeviceService(self.registry, self._mqtt, confirm_timeout=mqtt_cfg.confirm_timeout)
        self.devices.add_listener(self._on_state_change)
        await self.devices.start()
        return self.devices

    def _llm_stage(self) -> LlmStage | None:
        """The model stage when hearth.yaml configures `llm` (its HTTP client lives until stop)."""
        settings = self.config.llm
        if settings is None or self.devices is None:
            return None
        from .llm.client import LlmClient
        from .llm.route import LlmStage

        self.llm = LlmClient(settings)
        return LlmStage(settings, self.llm, self.registry, self.config.intents, self.devices)

    async def serve_forever(self) -> None:
        """Run until cancelled."""
        if self._server is None:
            raise RuntimeError("hub is not started")
        await self._server.serve_forever()

    # ---- HTTP -------------------------------------------------------------------------------------

    def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        path = request.path.split("?", 1)[0]
        if path == "/ws":
            return None  # go on with the WebSocket handshake
        page = self._static.get(path)
        if page is None:
            return connection.respond(HTTPStatus.NOT_FOUND, "Not found\n")
        headers = Headers([("Content-Type", page.content_type), *SECURITY_HEADERS])
        return Response(HTTPStatus.OK, "OK", headers, page.body)

    # ---- WebSocket ----------------------------------------------------------------------------------

    async def _handle(self, connection: ServerConnection) -> None:
        protocol = HubConnection(self.config.hub.clients, self._area_ids)
        ctx = self.config.context
        window = ContextWindow(size=ctx.turns, max_age=ctx.max_age)
        session = ClientSession.open(connection, protocol, window, len(self.config.devices.devices))
        writer = asyncio.create_task(self._write(session))
        try:
            await self._read(session)
        except ConnectionClosed:
            pass
        finally:
            protocol.close()
            self.sessions.discard(session)
            for task in list(session.runs.values()):
                task.cancel()
            await asyncio.gather(*session.runs.values(), return_exceptions=True)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer

    async def _read(self, session: ClientSession) -> None:
        connection = session.connection
        try:
            first = await asyncio.wait_for(connection.recv(), self.config.hub.hello_timeout)
        except TimeoutError:
            session.send(Error(code="unauthorized", message="no hello received in time"))
            await self._drain_and_close(session, 1008, "hello timeout")
            return
        message: str | bytes = first
        while True:
            if isinstance(message, str):
                decisions = session.protocol.receive_text(message)
            else:
                decisions = session.protocol.receive_bytes(message)
            if await self._apply(session, decisions):
                return
            message = await connection.recv()

    async def _apply(self, session: ClientSession, decisions: list[Decision]) -> bool:
        """Carry out decisions of the protocol core; True when the connection is to be closed."""
        for decision in decisions:
            if isinstance(decision, Send):
                session.send(decision.event)
                if decision.event.TYPE == "welcome":
                    self.sessions.add(session)
                    session.send(self._home)  # names and areas first, so the states that follow can be shown
                    self._send_snapshot(session)
            elif isinstance(decision, StartRun):
                run = decision.run
                inbox = None
                if run.audio is not None:
                    inbox = session.audio[run.id] = AudioInbox()
                session.runs[run.id] = asyncio.create_task(
                    self._run(session, RunRequest.from_event(run), inbox)
                )
            elif isinstance(decision, FeedAudio):
                target = session.audio.get(decision.id)
                if target is not None:
                    # Waits while this run's inbox is full: only this client's reading slows down.
                    await target.put(decision.data)
            elif isinstance(decision, EndAudio):
                target = session.audio.get(decision.id)
                if target is not None:
                    target.end()
            elif isinstance(decision, CancelRun):
                task = session.runs.get(decision.id)
                if task is not None:
                    # Not task.cancel() now: a task that has not had its first turn would die before the
                    # pipeline sends run-start and run-end. The loop runs callbacks in the order they were
                    # scheduled, so this one comes after the task's first step.
                    asyncio.get_running_loop().call_soon(task.cancel)
            elif isinstance(decision, ShowContext):
                turns = [turn.to_dict() for turn in session.context.recent(time.time())]
                session.send(ContextEvent(turns=turns, id=decision.id))
            elif isinstance(decision, Close):
                await self._drain_and_close(session, decision.code, decision.reason)
                return True
        return False

    async def _run(self, session: ClientSession, request: RunRequest, audio: AudioInbox | None) -> None:
        identity = session.protocol.identity
        assert self.pipeline is not None and identity is not None
        try:
            await self.pipeline.run(
                request,
                Speaker(identity.client, identity.area),
                session.context,
                session.send,
                audio,
                self._voice(session, request, identity.tts),
            )
        except asyncio.CancelledError:
            # The pipeline already sent run-end; nothing else to do but stop.
            raise
        except Exception:  # a bug must not take other sessions down: log it and end the run cleanly
            log.exception("run %s failed", request.id)
            session.send(
                Error(code="internal-error", message="the hub failed to process this run", id=request.id)
            )
            session.send(RunEnd(id=request.id, ok=False, timings={}, code="internal-error"))
        finally:
            session.runs.pop(request.id, None)
            session.audio.pop(request.id, None)
            session.protocol.run_finished(request.id)

    async def _write(self, session: ClientSession) -> None:
        while True:
            item = await session.outbox.get()
            if item is None:
                return
            if isinstance(item, AudioFrame):
                if item.playback.stopped:
                    continue  # the reply was cancelled (barge-in): its queued audio is dropped
                data: str | bytes = item.data
            else:
                data = item
            try:
                await session.connection.send(data)
            except ConnectionClosed:
                return

    def _voice(self, session: ClientSession, request: RunRequest, session_tts: bool) -> Speak | None:
        """How a run's reply is spoken: not at all, by the hub's engine, or as a tts-unavailable error."""
        if not (session_tts if request.tts is None else request.tts):
            return None
        tts = self.tts

        async def speak(run_id: str, text: str, confirmation: bool) -> None:
            if tts is None:
                await unavailable(session, run_id)
            else:
                await tts.speak(session, run_id, text, confirmation=confirmation)

        return speak

    async def _prewarm_tts(self) -> None:
        """Render the most frequent confirmations in the background, so serving never waits for it."""
        if self.tts is None:
            return
        try:
            count = await self.tts.prewarm(self.config.tts.prewarm)
        except Exception:  # pre-warming is an optimisation: a failure is logged, never fatal
            log.exception("pre-warming the reply cache failed")
            return
        if count:
            log.info("pre-warmed %d spoken replies", count)

    async def _drain_and_close(self, session: ClientSession, code: int, reason: str) -> None:
        # Let queued events (the error explaining the close) go out before the close frame.
        for _ in range(100):
            if session.outbox.empty():
                break
            await asyncio.sleep(0.001)
        await session.connection.close(code, reason)

    def _send_snapshot(self, session: ClientSession) -> None:
        """Every known device state, so a new client starts with the whole home, not just later changes."""
        for device_id, state in self.registry.states().items():
            if state:
                session.send(StateEvent(device=device_id, state=dict(state)))

    def _notify(self, owner: str, event: Event) -> None:
        """Deliver a timer event to the sessions of the client that set it (to everyone if it left)."""
        mine = [s for s in self.sessions if s.protocol.identity and s.protocol.identity.client == owner]
        for session in mine or list(self.sessions):
            session.send(event)
        if self.automations is not None:
            self.automations.notice(event)  # a timer finishing can trigger automations

    def _on_state_change(self, change: StateChange) -> None:
        if not change.changed:
            return
        event = StateEvent(device=change.device_id, state=dict(change.state))
        for session in self.sessions:
            session.send(event)


def _server_tls(config: HearthConfig) -> ssl.SSLContext | None:
    tls = config.hub.tls
    if tls is None:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(tls.cert, tls.key)
    return context


async def run_hub(
    config: HearthConfig,
    *,
    simulate: bool = False,
    ready: Callable[[Hub], Awaitable[None] | None] | None = None,
) -> None:
    """Start a hub, report it ready, and serve until cancelled; always stops cleanly."""
    hub = Hub(config, simulate=simulate)
    try:
        await hub.start()
        if ready is not None:
            result: Any = ready(hub)
            if asyncio.iscoroutine(result):
                await result
        await hub.serve_forever()
    finally:
        await hub.stop()
