"""The satellite's asyncio adapter: pumps the WebSocket, microphone or file, and speaker through the core."""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
import sys
from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TextIO

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from .redact import redacted_logger
from .satellite import (
    Decision,
    Fatal,
    PlayAudio,
    PlayEnd,
    PlayStart,
    Ready,
    Reconnect,
    SatelliteCore,
    SendAudio,
    SendJson,
    Show,
    StartCapture,
    StopCapture,
    TurnEnded,
)
from .satellite_audio import Microphone, Player, WavCollector, WavInput

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class Mode(StrEnum):
    """How turns start."""

    PUSH_TO_TALK = "push-to-talk"  # Enter starts a turn; the hub's VAD (or Enter again) ends it
    CONTINUOUS = "continuous"  # a new turn as soon as the previous one (and its reply) ended
    FILE = "file"  # one turn from --input, then exit


@dataclass
class SatelliteOptions:
    """Where to connect and how to run."""

    url: str
    mode: Mode
    tls: ssl.SSLContext | None = None
    input: WavInput | None = None
    output: Path | None = None
    realtime: bool = True
    open_timeout: float = 10.0
    turn_timeout: float = 60.0  # file mode: the longest a turn may take once its audio is sent
    out: TextIO = field(default_factory=lambda: sys.stdout)


class Satellite:
    """Connects (and reconnects) to the hub and carries out the core's decisions."""

    def __init__(
        self,
        core: SatelliteCore,
        options: SatelliteOptions,
        *,
        microphone: Microphone | None = None,
        player: Player | None = None,
        keys: AsyncIterable[str] | None = None,
    ) -> None:
        self.core = core
        self.options = options
        self.microphone = microphone
        self.player: Player = player if player is not None else WavCollector()
        self.keys = keys  # iterated afresh on every connection (Enter presses)
        self.connected = asyncio.Event()  # set while a welcomed connection is up (tests wait on it)
        self._ws: ClientConnection | None = None
        self._capture: asyncio.Task[None] | None = None
        self._turn_done: asyncio.Queue[TurnEnded] = asyncio.Queue()
        self._exit: int | None = None
        self._delay: float | None = None
        self._playback: asyncio.Task[None] | None = None

    async def run(self) -> int:
        """Serve until a file turn ends, a fatal error, or the keyboard closes; returns the exit status."""
        if self.microphone is not None:
            await self.microphone.open()
        try:
            while self._exit is None:
                await self._connect_once()
                if self._exit is None:
                    if self.options.mode is Mode.FILE:  # a script wants an answer now, not a retry loop
                        print(f"hearth: no answer from the hub at {self.options.url}", file=sys.stderr)
                        return EXIT_FAILED
                    delay = self._delay or 0.0
                    print(f"reconnecting in {delay:.1f} s", file=self.options.out, flush=True)
                    await asyncio.sleep(delay)
            return self._exit
        finally:
            if self.microphone is not None:
                self.microphone.close()
            self.player.stop()

    async def _connect_once(self) -> None:
        try:
            async with connect(
                self.options.url,
                ssl=self._tls(),
                open_timeout=self.options.open_timeout,
                logger=redacted_logger("hearth.satellite.ws"),
                max_size=None,
            ) as ws:
                self._ws = ws
                await self._session(ws)
        except ssl.SSLCertVerificationError as err:
            self._fatal(
                f"the hub's certificate is not trusted ({err.verify_message}); pass --ca certs/ca.pem"
            )
        except InvalidURI as err:
            self._fatal(f"{err}: use a URL like wss://hub.local:8765/ws")
        except InvalidStatus as err:
            status = err.response.status_code
            if status < 500:
                self._fatal(f"the hub refused the connection (HTTP {status}); is the path /ws?")
            else:
                await self._apply(self.core.disconnected(f"HTTP {status}"))
        except (OSError, TimeoutError, ConnectionClosed, InvalidHandshake) as err:
            await self._apply(self.core.disconnected(str(err) or type(err).__name__))
        finally:
            self._ws = None
            self.connected.clear()
            await self._stop_capture()

    def _tls(self) -> ssl.SSLContext | None:
        """--ca's context, or the system's trust store for wss:// (host names are always verified)."""
        if self.options.tls is None and self.options.url.startswith("wss:"):
            self.options.tls = ssl.create_default_context()
        return self.options.tls

    def _fatal(self, message: str) -> None:
        print(f"hearth: {message}", file=sys.stderr, flush=True)
        self._exit = EXIT_USAGE

    async def _session(self, ws: ClientConnection) -> None:
        while not self._turn_done.empty():  # turns of an earlier connection
            self._turn_done.get_nowait()
        await self._apply(self.core.connected())
        driver = asyncio.create_task(self._drive())
        pump = asyncio.create_task(self._pump_microphone()) if self.microphone is not None else None
        try:
            async for message in ws:
                if isinstance(message, bytes):
                    decisions = self.core.on_binary(message)
                else:
                    decisions = self.core.on_text(message)
                await self._apply(decisions)
                if self._exit is not None:
                    return
        except ConnectionClosed:
            pass  # reported below, like a clean close
        finally:
            for task in (driver, pump):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            if self._exit is None:
                await self._apply(self.core.disconnected("connection closed"))

    async def _apply(self, decisions: list[Decision]) -> None:
        for decision in decisions:
            if isinstance(decision, SendAudio | SendJson):
                await self._send(decision)
            elif isinstance(decision, StartCapture):
                self._start_capture()
            elif isinstance(decision, StopCapture):
                pass  # the file task sees it and ends; the microphone pump just stops sending
            elif isinstance(decision, PlayStart):
                self.player.start(decision.rate, decision.channels)
            elif isinstance(decision, PlayAudio):
                self.player.write(decision.data)
            elif isinstance(decision, PlayEnd):
                # Play out in the background: the hub's next events are read meanwhile.
                self._playback = asyncio.create_task(self.player.drain())
            elif isinstance(decision, Show):
                print(decision.line, file=self.options.out, flush=True)
            elif isinstance(decision, Ready):
                self.connected.set()
            elif isinstance(decision, TurnEnded):
                self._turn_done.put_nowait(decision)
            elif isinstance(decision, Reconnect):
                self._delay = decision.delay
            elif isinstance(decision, Fatal):
                self._fatal(f"the hub says {decision.code}: {decision.message}")

    async def _send(self, decision: SendAudio | SendJson) -> None:
        if self._ws is None:
            return
        data = decision.data if isinstance(decision, SendAudio) else json.dumps(decision.event)
        with contextlib.suppress(ConnectionClosed):  # the reader sees the close and reconnects
            await self._ws.send(data)

    # ---- turns ----------------------------------------------------------------------------------------

    async def _drive(self) -> None:
        """Start turns as the mode says, once the hub welcomed us."""
        await self.connected.wait()
        mode = self.options.mode
        if mode is Mode.FILE:
            await self._file_turn()
        elif mode is Mode.CONTINUOUS:
            while True:
                await self._apply(self.core.start_turn())
                ended = await self._turn_done.get()
                if self._playback is not None:
                    await self._playback  # never listen to our own reply
                if not ended.ok:
                    await asyncio.sleep(0.5)  # a hub refusing turns must not make this spin
        elif self.keys is not None:
            print("Press Enter to talk (the hub ends the turn when you stop; Enter again sends it).",
                  file=self.options.out, flush=True)  # fmt: skip
            async for _line in self.keys:
                if self.core.streaming:
                    await self._apply(self.core.end_audio())
                else:
                    self.player.stop()  # barge in on a reply still playing
                    await self._apply(self.core.start_turn())
            self._exit = EXIT_OK  # stdin closed
            if self._ws is not None:
                await self._ws.close()

    async def _file_turn(self) -> None:
        await self._apply(self.core.start_turn())
        try:
            ended = await asyncio.wait_for(self._turn_done.get(), self.options.turn_timeout)
        except TimeoutError:
            print("hearth: the hub did not finish the turn in time", file=sys.stderr, flush=True)
            self._exit = EXIT_FAILED
        else:
            self._exit = self._file_result(ended)
        if self._ws is not None:
            await self._ws.close()

    def _file_result(self, ended: TurnEnded) -> int:
        output = self.options.output
        if output is not None:
            collector = self.player
            if not isinstance(collector, WavCollector) or not collector.pcm:
                print(f"hearth: no spoken reply came back, so {output} was not written "
                      "(is tts.engine none on the hub?)", file=sys.stderr, flush=True)  # fmt: skip
                return EXIT_FAILED
            output.write_bytes(collector.wav())
            print(f"reply audio: {output} ({collector.rate} Hz)", file=self.options.out, flush=True)
        # A run can end "ok" with a code, e.g. stt-unsure ("Sorry, I didn't catch that"): nothing was done,
        # which a script driving the satellite must be able to tell from success.
        return EXIT_OK if ended.ok and ended.code is None else EXIT_FAILED

    def _start_capture(self) -> None:
        if self.microphone is not None:
            self.microphone.flush()  # audio from before the turn (or our own reply) is not part of it
            print("listening…", file=self.options.out, flush=True)
        elif self.options.input is not None:
            self._capture = asyncio.create_task(self._stream_file(self.options.input))

    async def _stream_file(self, wav: WavInput) -> None:
        async for frame in wav.frames(realtime=self.options.realtime):
            if not self.core.streaming:
                return  # the hub's VAD already ended the utterance
            await self._apply(self.core.audio(frame))
        await self._apply(self.core.end_audio())

    async def _pump_microphone(self) -> None:
        assert self.microphone is not None
        async for frame in self.microphone.frames():
            await self._apply(self.core.audio(frame))

    async def _stop_capture(self) -> None:
        task, self._capture = self._capture, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
