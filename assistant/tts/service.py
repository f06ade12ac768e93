"""Spoken replies on the hub: cache lookup or threaded synthesis, streamed as frames a barge-in can stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ..events import Error, Event, TtsEnd, TtsStart
from .cache import AudioCache, CachedAudio, ReplyCounter, cache_key
from .engine import TtsEngine, TtsSettings

log = logging.getLogger("hearth.tts")

FRAME_BYTES = 8192  # one binary frame: ~190 ms at 22 050 Hz, so a barge-in cuts the reply off quickly
BACKLOG_LIMIT = 64  # queued outgoing items above which a reply waits for the client to read
SAVE_EVERY_S = 30.0  # how often the reply counts reach the disk at most (and at shutdown)

_Item = bytes | BaseException | None


@dataclass(eq=False, slots=True)
class Playback:
    """The audio of one reply on its way to a client: once stopped, its queued frames are dropped."""

    stopped: bool = False

    def stop(self) -> None:
        """Drop every frame of this reply not yet written to the socket."""
        self.stopped = True


@dataclass(frozen=True, slots=True)
class AudioFrame:
    """One binary frame of reply audio, queued in order with the JSON events."""

    playback: Playback
    data: bytes


class AudioSink(Protocol):
    """Where a reply goes: the hub's client session."""

    def send(self, event: Event) -> None:
        """Queue a JSON event."""
        ...

    def send_audio(self, frame: AudioFrame) -> None:
        """Queue a binary frame."""
        ...

    def backlog(self) -> int:
        """How many items wait to be written."""
        ...


@dataclass(slots=True)
class _Spoken:
    """Timing of one reply's audio, for tts-end."""

    started: float = field(default_factory=time.perf_counter)
    first_ms: float | None = None
    made_ms: float = 0.0  # when the engine's last chunk (or the cached audio) was in hand

    def elapsed(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 3)


class TtsService:
    """The hub's voice: one engine, its reply cache and the counts that choose what to pre-warm."""

    def __init__(
        self,
        engine: TtsEngine,
        cache: AudioCache | None = None,
        counter: ReplyCounter | None = None,
        *,
        workers: int = 2,
    ) -> None:
        self.engine = engine
        self.cache = cache
        self.counter = counter
        # Synthesis is CPU-bound and blocking: a small pool keeps the event loop (and other sessions) free.
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hearth-tts")
        self._saved = time.monotonic()

    @classmethod
    def create(cls, engine: TtsEngine, settings: TtsSettings, cache_dir: Path) -> TtsService:
        """A service whose cache and counts live under `cache_dir/tts`."""
        folder = cache_dir / "tts"
        cache = AudioCache(folder, settings.cache_mb * 1024 * 1024) if settings.cache_mb > 0 else None
        return cls(engine, cache, ReplyCounter(folder / "replies.json"), workers=min(2, os.cpu_count() or 1))

    def close(self) -> None:
        """Save the counts and stop the synthesis threads (a running sentence finishes on its own)."""
        if self.counter is not None:
            self.counter.save()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.engine.close()

    async def speak(self, sink: AudioSink, run_id: str, text: str, *, confirmation: bool = False) -> None:
        """Send tts-start, the audio frames and tts-end for a reply; engine failures become an error event."""
        spoken = _Spoken()
        if confirmation and self.counter is not None:
            self.counter.record(text)
            self._maybe_save()
        key = cache_key(self.engine.voice_id, text)
        playback = Playback()
        try:
            cached = await self._lookup(key)
            if cached is not None:
                spoken.made_ms = spoken.elapsed()
                self._start(sink, run_id, cached.rate, spoken)
                await self._send(sink, playback, cached.pcm)
                sink.send(
                    TtsEnd(
                        id=run_id, cached=True, synthesis_ms=spoken.made_ms, first_audio_ms=spoken.first_ms
                    )
                )
                return
            await self._synthesize(sink, run_id, text, key, playback, spoken)
        except asyncio.CancelledError:
            playback.stop()  # barge-in: frames already queued never reach the client
            raise

    async def prewarm(self, limit: int) -> int:
        """Render the most frequent confirmations missing from the cache, one at a time; returns how many."""
        if self.cache is None or self.counter is None:
            return 0
        loop = asyncio.get_running_loop()
        rendered = 0
        for text in self.counter.top(limit):
            key = cache_key(self.engine.voice_id, text)
            if key in self.cache:
                continue
            try:
                await loop.run_in_executor(self._pool, self._render, text, key)
            except Exception as err:  # a reply the engine cannot speak is skipped, not fatal
                log.warning("pre-warming %r failed: %s", text, err)
                continue
            rendered += 1
        return rendered

    def _render(self, text: str, key: str) -> None:
        pcm = b"".join(self.engine.synthesize(text))
        if self.cache is not None and pcm:
            self.cache.put(key, CachedAudio(self.engine.rate, pcm))

    async def _lookup(self, key: str) -> CachedAudio | None:
        if self.cache is None:
            return None
        hot = self.cache.in_memory(key)
        if hot is not None:
            return hot
        if key not in self.cache:
            return None
        return await asyncio.to_thread(self.cache.get, key)

    def _start(self, sink: AudioSink, run_id: str, rate: int, spoken: _Spoken) -> None:
        sink.send(TtsStart(id=run_id, format=self.engine.format, rate=rate))
        spoken.first_ms = spoken.elapsed()

    async def _send(self, sink: AudioSink, playback: Playback, pcm: bytes) -> None:
        for offset in range(0, len(pcm), FRAME_BYTES):
            # A slow reader: wait instead of piling audio up (the outbox queue has no room-available event).
            while sink.backlog() > BACKLOG_LIMIT:  # noqa: ASYNC110
                await asyncio.sleep(0.005)
            sink.send_audio(AudioFrame(playback, pcm[offset : offset + FRAME_BYTES]))

    async def _synthesize(
        self, sink: AudioSink, run_id: str, text: str, key: str, playback: Playback, spoken: _Spoken
    ) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[_Item] = asyncio.Queue()
        stop = threading.Event()

        def deliver(item: _Item) -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed while a sentence was rendering
                loop.call_soon_threadsafe(queue.put_nowait, item)

        loop.run_in_executor(self._pool, self._produce, text, key, stop, deliver)
        started = False
        try:
            while (item := await queue.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                spoken.made_ms = spoken.elapsed()
                if not started:
                    self._start(sink, run_id, self.engine.rate, spoken)
                    started = True
                await self._send(sink, playback, item)
        except asyncio.CancelledError:
            stop.set()
            raise
        except Exception as err:
            stop.set()
            log.warning("speaking the reply of run %s failed: %s", run_id, err)
            sink.send(
                Error(
                    code="tts-failed",
                    message=f"{self.engine.name} could not speak the reply: {err}",
                    id=run_id,
                )
            )
            if not started:
                return
        sink.send(
            TtsEnd(id=run_id, cached=False, synthesis_ms=spoken.made_ms, first_audio_ms=spoken.first_ms)
        )

    def _produce(self, text: str, key: str, stop: threading.Event, deliver: Callable[[_Item], None]) -> None:
        """Synthesis thread: hand chunks over as they come; stop between chunks once asked to."""
        chunks: list[bytes] = []
        stream: Iterator[bytes] = self.engine.synthesize(text)
        try:
            for chunk in stream:
                if stop.is_set():
                    return
                if chunk:
                    chunks.append(chunk)
                    deliver(chunk)
        except Exception as err:  # handed to the event loop, which reports it to the client
            deliver(err)
            return
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()  # stops an engine's subprocess when the reply was cut short
        if self.cache is not None and chunks:
            # Stored before tts-end goes out, so a repeat of this reply right after is already a hit.
            self.cache.put(key, CachedAudio(self.engine.rate, b"".join(chunks)))
        deliver(None)

    def _maybe_save(self) -> None:
        now = time.monotonic()
        if self.counter is not None and now - self._saved > SAVE_EVERY_S:
            self._saved = now
            self._pool.submit(self.counter.save)


async def unavailable(sink: AudioSink, run_id: str) -> None:
    """What a run that asked for speech gets from a hub whose tts.engine is none."""
    sink.send(
        Error(code="tts-unavailable", message="this hub speaks no replies (tts.engine: none)", id=run_id)
    )
