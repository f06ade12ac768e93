"""The speech-in stage under load: utterances waiting for a decoder never starve the one holding it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant.config import load_config
from assistant.events import Event
from assistant.pipeline import home_vocabulary
from assistant.speech.audio import AudioFormat
from assistant.speech.inbox import AudioInbox
from assistant.speech.listen import Heard, Listener
from assistant.speech.sphinx import SphinxEngine
from assistant.speech.vad import SileroVad

from .conftest import Synth

ROOT = Path(__file__).resolve().parents[2]
COMMAND = "turn on the kitchen light"
FRAME = 640  # 20 ms of 16 kHz PCM16
WORKERS = 3  # fewer worker threads than utterances waiting, as on a busy 2-core hub


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
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=WORKERS))
    config = load_config(ROOT / "config")
    listener = Listener(engine, silero, config.asr.vad)
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
