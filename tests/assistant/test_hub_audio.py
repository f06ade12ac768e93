"""Speech through the whole hub: audio frames over a real WebSocket → VAD → pocketsphinx → real Mosquitto."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import numpy as np
import pytest

from assistant.config import load_config
from assistant.hub import Hub
from assistant.speech.corpus import synthesize
from tests.assistant.conftest import (
    KITCHEN_TOKEN,
    PHONE_TOKEN,
    RunningHome,
    commands,
    make_home,
    nothing_published,
    of_type,
    open_client,
)
from tests.mqtt_recorder import Recorder
from tests.speech.conftest import require_speech_tools


@pytest.fixture(scope="module")
def speech_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_speech_tools()
    return tmp_path_factory.mktemp("speech")


def say(text: str, cache: Path, pad_s: float = 0.3) -> bytes:
    """`text` spoken by espeak-ng as 16 kHz mono PCM16."""
    return synthesize(text, pad_s=pad_s, cache_dir=cache)


def silence(seconds: float, rate: int = 16000) -> bytes:
    return bytes(2 * int(rate * seconds))


@asynccontextmanager
async def hub_where(folder: Path, broker: tuple[str, int], old: str, new: str) -> AsyncIterator[str]:
    """A hub on the sample home with one line of hearth.yaml changed; yields its WebSocket URL."""
    config = make_home(folder, broker)
    hearth = config / "hearth.yaml"
    assert old in hearth.read_text()
    hearth.write_text(hearth.read_text().replace(old, new))
    hub = Hub(load_config(config))
    await hub.start()
    try:
        yield f"ws://127.0.0.1:{hub.port}/ws"
    finally:
        await hub.stop()


def order(events: list[dict[str, object]]) -> list[str]:
    """Event types in order, partial transcripts folded into one."""
    kinds: list[str] = []
    for event in events:
        kind = str(event["type"])
        if kind == "transcript" and event.get("partial"):
            kind = "partial"
        if not kinds or kinds[-1] != kind:
            kinds.append(kind)
    return kinds


async def test_a_spoken_command_is_heard_understood_and_carried_out(
    home: RunningHome, recorder: Recorder, speech_cache: Path
) -> None:
    client = await open_client(home.url, KITCHEN_TOKEN)
    events = await client.speak(say("turn on the kitchen light", speech_cache))
    kinds = order(events)
    assert kinds[:4] == ["run-start", "vad-start", "partial", "vad-end"], kinds
    assert kinds[4:] == ["transcript", "intent", "action", "reply", "run-end"], kinds
    [final] = [e for e in of_type(events, "transcript") if not e["partial"]]
    assert final["text"] == "turn on the kitchen light"
    assert 0 < final["confidence"] <= 1
    [intent] = of_type(events, "intent")
    assert intent["name"] == "turn_on" and intent["slots"]["name"] in ("kitchen_light", ["kitchen_light"])
    [end] = of_type(events, "run-end")
    assert end["ok"] and {"vad", "stt", "intent", "action"} <= end["timings"].keys()
    [published] = commands(recorder, expect=1)
    assert published.topic == "zigbee2mqtt/kitchen_light/set"


async def test_a_wake_word_left_in_the_audio_is_not_part_of_the_command(
    tmp_path: Path, mosquitto: tuple[str, int], recorder: Recorder, speech_cache: Path
) -> None:
    # A satellite whose wake-word detector hands over the audio from just before the wake word.
    woken = "engine: pocketsphinx\n  wake_words: [hey hearth]"
    async with hub_where(tmp_path, mosquitto, "engine: pocketsphinx", woken) as url:
        client = await open_client(url, KITCHEN_TOKEN)
        # A command with no opposite one word away, so no "did you say … or …?" can come back instead.
        events = await client.speak(say("hey hearth, set the kitchen light to forty percent", speech_cache))
        [final] = [e for e in of_type(events, "transcript") if not e["partial"]]
        assert final["text"] == "hey hearth set the kitchen light to forty percent"
        [intent] = of_type(events, "intent")
        assert intent["name"] == "set_brightness" and intent["slots"]["brightness"] == 40
        [published] = commands(recorder, expect=1)
        assert published.topic == "zigbee2mqtt/kitchen_light/set"
        # A wake word and one short word: what a wake word said alone is forced into by the grammar
        # ("hey rhasspy" was heard "okay rhasspy undo"). Heard again rather than acted on.
        events = await client.speak(say("hey hearth, undo", speech_cache))
        [end] = of_type(events, "run-end")
        assert end["code"] == "stt-unsure" and not of_type(events, "action")


async def test_other_rates_and_stereo_are_converted(
    home: RunningHome, recorder: Recorder, speech_cache: Path
) -> None:
    mono = say("close the garage door", speech_cache)
    # sox turns the 16 kHz mono command into 44.1 kHz stereo, as a phone or a USB microphone sends it.
    raw = ["-t", "raw", "-e", "signed-integer", "-b", "16", "-L"]
    sox = ["sox", "-D", *raw, "-r", "16000", "-c", "1", "-", *raw, "-r", "44100", "-c", "2", "-"]
    stereo = subprocess.run(sox, input=mono, capture_output=True, check=True).stdout  # noqa: ASYNC221
    client = await open_client(home.url, PHONE_TOKEN)
    events = await client.speak(stereo, rate=44100, channels=2, frame_ms=20)
    # Conversion is what is checked here (recognition accuracy is `hearth bench --only audio`): the VAD
    # finds the speech in the converted audio and the engine hears words.
    kinds = order(events)
    assert kinds[:2] == ["run-start", "vad-start"] and "vad-end" in kinds, kinds
    [final] = [e for e in of_type(events, "transcript") if not e["partial"]]
    assert final["text"]


async def test_silence_gives_stt_no_text_and_does_nothing(
    home: RunningHome, recorder: Recorder, speech_cache: Path
) -> None:
    client = await open_client(home.url, KITCHEN_TOKEN)
    rng = np.random.default_rng(3)
    hiss = (rng.normal(0, 30, 16000 * 2)).astype("<i2").tobytes()  # a quiet room, not digital zero
    events = await client.speak(hiss)
    assert [e["code"] for e in of_type(events, "error")] == ["stt-no-text"]
    assert not of_type(events, "vad-start") and not of_type(events, "intent")
    assert not of_type(events, "reply"), "nobody spoke: nothing to answer"
    [end] = of_type(events, "run-end")
    assert not end["ok"] and end["code"] == "stt-no-text"
    assert nothing_published(recorder)


async def test_the_hub_ends_the_utterance_itself_and_ignores_the_rest_of_the_stream(
    home: RunningHome, recorder: Recorder, speech_cache: Path
) -> None:
    client = await open_client(home.url, KITCHEN_TOKEN)
    # The client never says audio-end: the hub's endpoint (VAD, or earlier once the command is complete)
    # decides, and the frames still arriving afterwards are dropped without errors.
    audio = say("turn off the bedroom light", speech_cache) + silence(2.5)
    events = await client.speak(audio, end=False)
    [vad_end] = of_type(events, "vad-end")
    assert vad_end["reason"] in ("early", "silence")
    assert not [e for e in of_type(events, "error") if "audio" in e["code"]]
    # The session goes on: the next text run works and no stray error about the late frames arrives.
    follow = await client.run("close the garage door", run_id="t2")
    assert not of_type(follow, "error") and of_type(follow, "intent")[0]["name"] == "close_cover"


async def test_a_client_that_stops_mid_stream_does_not_block_others(
    home: RunningHome, recorder: Recorder, speech_cache: Path
) -> None:
    assert home.hub.listener is not None
    home.hub.listener.stall_seconds = 0.6
    quiet = await open_client(home.url, KITCHEN_TOKEN)
    audio = say("turn on the kitchen light strip", speech_cache)
    await quiet.send(type="run", id="a1", audio={"rate": 16000, "width": 2, "channels": 1})
    for offset in range(0, len(audio) // 2, 1280):  # half a command, then nothing at all
        await quiet.ws.send(audio[offset : offset + 1280])
    other = await open_client(home.url, PHONE_TOKEN)
    events = await other.run("close the garage door", run_id="t1")
    assert of_type(events, "run-end")[0]["ok"], "a stalled audio run must not hold up other sessions"
    stalled = []
    while not stalled or stalled[-1]["type"] != "run-end":
        stalled.append(await quiet.next_event(30))
    assert any(e["type"] == "vad-end" and e["reason"] == "timeout" for e in stalled) or any(
        e["type"] == "error" and e["code"] == "stt-no-text" for e in stalled
    )


async def test_an_utterance_longer_than_the_limit_is_cut(
    tmp_path: Path, mosquitto: tuple[str, int], speech_cache: Path
) -> None:
    async with hub_where(tmp_path, mosquitto, "max_seconds: 15", "max_seconds: 1.5") as url:
        client = await open_client(url, KITCHEN_TOKEN)
        rambling = say("turn on the kitchen light strip and then close the garage door", speech_cache)
        events = await client.speak(rambling)
        [vad_end] = of_type(events, "vad-end")
        assert vad_end["reason"] == "max-length"
        assert of_type(events, "run-end")


async def test_speech_the_home_has_no_sentence_for_is_not_acted_on(
    home: RunningHome, recorder: Recorder, speech_cache: Path
) -> None:
    # The grammar engine always finds its closest sentence; a poor fit must not become an action.
    client = await open_client(home.url, KITCHEN_TOKEN)
    events = await client.speak(say("what is the weather like in new york", speech_cache))
    [final] = [e for e in of_type(events, "transcript") if not e["partial"]]
    assert final["confidence"] < 0.5
    assert not of_type(events, "intent") and not of_type(events, "action")
    [end] = of_type(events, "run-end")
    # Either its closest sentence fits too poorly to act on, or no sentence of the grammar fits at all
    # (which one depends on the speech level the decoder is at); either way the hub asks to hear it again.
    [reply] = of_type(events, "reply")
    assert "say it again" in reply["text"]
    assert end["code"] == ("stt-unsure" if final["text"] else "stt-no-text")
    assert nothing_published(recorder)


async def test_without_an_engine_audio_runs_are_refused_clearly(
    tmp_path: Path, mosquitto: tuple[str, int], speech_cache: Path
) -> None:
    async with hub_where(tmp_path, mosquitto, "engine: pocketsphinx", "engine: none") as url:
        client = await open_client(url, KITCHEN_TOKEN)
        await client.send(type="run", id="a1", audio={"rate": 16000, "width": 2, "channels": 1})
        refused = [await client.next_event()]
        while refused[-1]["type"] != "run-end":
            refused.append(await client.next_event())
        assert [e["code"] for e in of_type(refused, "error")] == ["stt-unavailable"], refused
        assert not refused[-1]["ok"] and refused[-1]["code"] == "stt-unavailable"
        # The hub stays usable: a typed command still works.
        await client.send(type="run", id="t1", text="what time is it")
        events = [await client.next_event()]
        while events[-1]["type"] != "run-end":
            events.append(await client.next_event())
        assert events[-1]["ok"]


async def test_a_run_cancelled_at_once_still_ends(home: RunningHome, recorder: Recorder) -> None:
    client = await open_client(home.url, KITCHEN_TOKEN)
    # The cancel arrives with the run, before the hub's task for the run has had a turn on the loop.
    for n in range(5):
        await client.send(type="run", id=f"q{n}", audio={"rate": 16000, "width": 2, "channels": 1})
        await client.send(type="cancel", id=f"q{n}")
        events = [await client.next_event()]
        while events[-1]["type"] != "run-end":
            events.append(await client.next_event())
        assert [e["type"] for e in events] == ["run-start", "run-end"], events
        assert events[-1]["code"] == "cancelled" and events[-1]["id"] == f"q{n}"
    await client.send(type="run", id="t1", text="turn on the kitchen light")
    await client.send(type="cancel", id="t1")
    events = [await client.next_event()]
    while events[-1]["type"] != "run-end":
        events.append(await client.next_event())
    # Whether the command was sent before the cancel landed, the run starts and ends once.
    assert events[0]["type"] == "run-start" and events[-1]["id"] == "t1"
    assert [e["type"] for e in events].count("run-end") == 1


async def test_an_audio_run_can_be_cancelled_mid_utterance(
    home: RunningHome, recorder: Recorder, speech_cache: Path
) -> None:
    client = await open_client(home.url, KITCHEN_TOKEN)
    speech = say("turn on the kitchen light", speech_cache)
    await client.send(type="run", id="c1", audio={"rate": 16000, "width": 2, "channels": 1})
    for start in range(0, len(speech) // 2, 1280):  # 40 ms frames, half the command
        await client.ws.send(speech[start : start + 1280])
    await client.send(type="cancel", id="c1")
    events = [await client.next_event()]
    while events[-1]["type"] != "run-end":
        events.append(await client.next_event())
    assert events[-1]["code"] == "cancelled" and not events[-1]["ok"]
    assert nothing_published(recorder)
    # The session (and the engine's decoders) are free for the next command.
    again = await client.speak(say("turn on the kitchen light", speech_cache), run_id="a2")
    assert [e["ok"] for e in of_type(again, "run-end")] == [True]
