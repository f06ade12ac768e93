"""The speech-in stage under load: utterances waiting for a decoder never starve the one holding it, and
the listener decodes in a small pool of its own threads."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import load_config
from assistant.events import Event
from assistant.pipeline import home_vocabulary
from assistant.speech.audio import AudioFormat
from assistant.speech.inbox import AudioInbox
from assistant.speech.listen import SPEECH_THREADS, Heard, Listener
from assistant.speech.sphinx import SphinxEngine
from assistant.speech.vad import SileroVad

from .conftest import Synth

ROOT = Path(__file__).resolve().parents[2]
COMMAND = "turn on the kitchen light"
FRAME = 640  # 20 ms of 16 kHz PCM16
WORKERS = 3  # fewer worker threads than utterances waiting, as on a busy hub


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SphinxEngine]:
    config = load_config(ROOT / "config")
    one = SphinxEngine(
        config.asr, home_vocabulary(config), cache_dir=tmp_path_factory.mktemp("sphinx"), decoders=1
    )
    yield one
    one.close()


async def _feed(inbox: AudioInbox, pcm: bytes) -> None:
    for start in range(0, len(pcm), FRAME):
        await inbox.put(pcm[start : start + FRAME])


async def test_waiting_utterances_do_not_starve_the_decoder_holder(
    engine: SphinxEngine, silero: SileroVad, synth: Synth
) -> None:
    config = load_config(ROOT / "config")
    listener = Listener(engine, silero, config.asr.vad, threads=WORKERS)
    speech = synth(COMMAND) + bytes(32000)  # a second of silence ends it
    events: list[Event] = []

    def listen(run_id: str, inbox: AudioInbox) -> asyncio.Task[Heard]:
        coroutine = listener.listen(run_id, AudioFormat(), inbox, events.append, lambda _text: False, {})
        return asyncio.create_task(coroutine)

    # The first utterance starts speaking first, so it takes the only decoder, and it ends last.
    holder_inbox = AudioInbox()
    holder = listen("holder", holder_inbox)
    half = len(speech) // 2 // FRAME * FRAME
    await _feed(holder_inbox, speech[:half])
    await asyncio.sleep(0.5)
    others = []
    for n in range(WORKERS + 3):
        inbox = AudioInbox()
        others.append(listen(f"other-{n}", inbox))
        await _feed(inbox, speech)
        inbox.end()
    await asyncio.sleep(0.5)  # every other utterance is over and waits for the decoder
    await _feed(holder_inbox, speech[half:])
    holder_inbox.end()

    heard = await asyncio.wait_for(asyncio.gather(holder, *others), 120)
    assert [h.code for h in heard] == [None] * len(heard)
    assert {h.text for h in heard} == {COMMAND}


def _threads(prefix: str) -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith(prefix)}


async def test_utterances_are_decoded_in_the_listeners_own_few_threads(
    silero: SileroVad, synth: Synth, tmp_path: Path
) -> None:
    # Each thread that allocates gets a malloc arena of its own, which keeps what it freed: many sessions
    # at once must not spread their decoding over asyncio's default pool (6 threads on 2 cores).
    config = load_config(ROOT / "config")
    engine = SphinxEngine(config.asr, home_vocabulary(config), cache_dir=tmp_path)
    listener = Listener(engine, silero, config.asr.vad)
    speech = synth(COMMAND) + bytes(32000)
    speech_before, default_before = _threads("hearth-speech"), _threads("asyncio_")
    started: set[threading.Thread] = set()

    async def one(n: int) -> Heard:
        inbox = AudioInbox()
        task = asyncio.create_task(
            listener.listen(f"r{n}", AudioFormat(), inbox, lambda _event: None, lambda _text: False, {})
        )
        await _feed(inbox, speech)
        inbox.end()
        started.update(_threads("asyncio_") - default_before)
        return await task

    try:
        heard = await asyncio.wait_for(asyncio.gather(*(one(n) for n in range(6))), 120)
        started.update(_threads("asyncio_") - default_before)
        assert {h.text for h in heard} == {COMMAND}
        assert 1 <= len(_threads("hearth-speech") - speech_before) <= SPEECH_THREADS
        assert not started  # nothing of the listener ran in asyncio's default pool
    finally:
        listener.close()
    for _ in range(100):  # the threads end once they see the pool shut down
        if not _threads("hearth-speech") - speech_before:
            break
        await asyncio.sleep(0.05)
    assert not _threads("hearth-speech") - speech_before
    with pytest.raises(RuntimeError):
        engine.start().feed(bytes(3200))  # the engine is closed with the listener
