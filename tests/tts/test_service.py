"""The hub's voice without sockets: streaming before synthesis ends, the cache, barge-in, errors, pre-warm."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from assistant.events import Error, Event, TtsEnd, TtsStart
from assistant.tts.cache import AudioCache, ReplyCounter, cache_key
from assistant.tts.engine import TtsSettings, build_engine
from assistant.tts.service import AudioFrame, TtsService
from tests.tts.fakes import SENTENCE, GatedEngine


class Sink:
    """Collects what the hub would write to the socket, in order."""

    def __init__(self) -> None:
        self.items: list[Event | AudioFrame] = []
        self.first_frame = asyncio.Event()

    def send(self, event: Event) -> None:
        self.items.append(event)

    def send_audio(self, frame: AudioFrame) -> None:
        self.items.append(frame)
        self.first_frame.set()

    def backlog(self) -> int:
        return 0

    def events(self) -> list[Event]:
        return [i for i in self.items if isinstance(i, Event)]

    def delivered(self) -> list[bytes]:
        """Frames a writer would still send (those of a stopped reply are dropped)."""
        return [i.data for i in self.items if isinstance(i, AudioFrame) and not i.playback.stopped]


@pytest.fixture
def cache(tmp_path: Path) -> AudioCache:
    return AudioCache(tmp_path / "tts", 1024 * 1024)


async def test_first_audio_leaves_before_synthesis_ends_then_is_cached(cache: AudioCache) -> None:
    engine = GatedEngine(sentences=2)
    service = TtsService(engine, cache)
    sink = Sink()
    task = asyncio.create_task(service.speak(sink, "r1", "Done. And done."))
    await asyncio.wait_for(sink.first_frame.wait(), 5)
    assert engine.rendered == 1  # the second sentence is not even rendered yet
    assert isinstance(sink.items[0], TtsStart) and sink.items[0].rate == 16000
    engine.go.set()
    await asyncio.wait_for(task, 5)
    end = sink.events()[-1]
    assert isinstance(end, TtsEnd) and end.cached is False
    assert end.synthesis_ms is not None and end.first_audio_ms is not None
    assert b"".join(sink.delivered()) == SENTENCE * 2

    again = Sink()
    await service.speak(again, "r2", "Done. And done.")
    assert engine.rendered == 2  # nothing synthesised the second time
    start, end2 = again.events()
    assert isinstance(start, TtsStart) and isinstance(end2, TtsEnd) and end2.cached is True
    assert b"".join(again.delivered()) == SENTENCE * 2
    service.close()


async def test_cancel_stops_the_stream_and_the_engine(cache: AudioCache) -> None:
    engine = GatedEngine(sentences=3)
    service = TtsService(engine, cache)
    sink = Sink()
    task = asyncio.create_task(service.speak(sink, "r1", "One. Two. Three."))
    await asyncio.wait_for(sink.first_frame.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    engine.go.set()
    assert await asyncio.to_thread(engine.closed.wait, 5)
    assert sink.delivered() == []  # frames still queued are dropped
    assert not any(isinstance(e, TtsEnd) for e in sink.events())
    assert cache_key(engine.voice_id, "One. Two. Three.") not in cache  # a cut-off reply is not cached
    service.close()


async def test_engine_failure_is_an_error_event(cache: AudioCache) -> None:
    service = TtsService(GatedEngine(sentences=1, fail_after=0), cache)
    sink = Sink()
    await service.speak(sink, "r1", "Done.")
    [error] = sink.events()
    assert isinstance(error, Error) and error.code == "tts-failed" and "exploded" in error.message
    service.close()


async def test_failure_mid_reply_still_ends_the_audio(cache: AudioCache) -> None:
    engine = GatedEngine(sentences=2, fail_after=1)
    engine.go.set()
    service = TtsService(engine, cache)
    sink = Sink()
    await service.speak(sink, "r1", "One. Two.")
    kinds = [type(e) for e in sink.events()]
    assert kinds == [TtsStart, Error, TtsEnd]
    assert len(cache) == 0  # half a reply is never cached
    service.close()


async def test_prewarm_renders_the_most_frequent_confirmations(tmp_path: Path, cache: AudioCache) -> None:
    engine = GatedEngine(sentences=1)
    counter = ReplyCounter(tmp_path / "replies.json")
    for text, uses in (("Turned on the kitchen light.", 5), ("Locked the door.", 3), ("Rare.", 1)):
        for _ in range(uses):
            counter.record(text)
    service = TtsService(engine, cache, counter)
    assert await service.prewarm(2) == 2
    assert cache_key(engine.voice_id, "Turned on the kitchen light.") in cache
    assert cache_key(engine.voice_id, "Locked the door.") in cache
    assert cache_key(engine.voice_id, "Rare.") not in cache
    assert await service.prewarm(2) == 0  # already warm
    sink = Sink()
    await service.speak(sink, "r1", "Locked the door.")
    end = sink.events()[-1]
    assert isinstance(end, TtsEnd) and end.cached is True
    service.close()


async def test_confirmations_are_counted_and_saved(tmp_path: Path, cache: AudioCache) -> None:
    counter = ReplyCounter(tmp_path / "replies.json")
    service = TtsService(GatedEngine(sentences=1), cache, counter)
    await service.speak(Sink(), "r1", "Turned on the light.", confirmation=True)
    await service.speak(Sink(), "r2", "The light is on.", confirmation=False)
    service.close()
    assert ReplyCounter(tmp_path / "replies.json").top(5) == ["Turned on the light."]


async def test_real_piper_voice_through_the_service(tiny_voice: Path, tmp_path: Path) -> None:
    engine = build_engine(TtsSettings(engine="piper", voice=str(tiny_voice)))
    assert engine is not None
    service = TtsService.create(engine, TtsSettings(engine="piper", voice=str(tiny_voice)), tmp_path)
    sink = Sink()
    await service.speak(sink, "r1", "Turned on the kitchen light. It is warm.")
    start, end = sink.events()
    assert isinstance(start, TtsStart) and start.format == "pcm16" and start.rate == 16000
    assert isinstance(end, TtsEnd) and end.cached is False
    assert sum(map(len, sink.delivered())) > 0
    service.close()
