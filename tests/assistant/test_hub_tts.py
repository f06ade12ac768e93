"""Spoken replies over real WebSockets to a real hub and broker: stream, cache, barge-in, errors, pre-warm."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from assistant.config import load_config
from assistant.hub import Hub
from assistant.tts.cache import ReplyCounter, cache_key
from assistant.tts.engine import TtsError
from assistant.yamlpos import ConfigError
from devices.mqtt import MqttClient
from devices.simulator import DeviceSimulator
from tests.assistant.conftest import KITCHEN_TOKEN, PHONE_TOKEN, RunningHome, make_home
from tests.tts.conftest import require_espeak, require_piper
from tests.tts.fakes import GatedEngine
from tests.tts.tiny_piper import build_voice

TURN_ON = "turn on the kitchen light"
CONFIRMATION = "Turned on the kitchen light"
ESPEAK_TTS = "tts:\n  # Spoken replies"


def with_tts(directory: Path, tts: str) -> Path:
    """Replace the sample's `tts.engine: espeak-ng` line with `tts` (YAML lines under `tts:`)."""
    path = directory / "hearth.yaml"
    text = path.read_text()
    assert "  engine: espeak-ng\n" in text
    path.write_text(text.replace("  engine: espeak-ng\n", tts, 1))
    return directory


def piper_tts(voice: Path) -> str:
    return f"  engine: piper\n  voice: {voice}\n"


class Home:
    """Starts hubs on the session broker with a private TTS cache folder, and stops them."""

    def __init__(self, tmp_path: Path, mosquitto: tuple[str, int], cache: Path) -> None:
        self.tmp_path = tmp_path
        self.mosquitto = mosquitto
        self.cache = cache
        self.hubs: list[Hub] = []
        self.mqtt: MqttClient | None = None
        self.simulator: DeviceSimulator | None = None

    async def start(self, tts: str) -> RunningHome:
        folder = self.tmp_path / f"home{len(self.hubs)}"
        config = load_config(with_tts(make_home(folder, self.mosquitto), tts))
        if self.simulator is None:
            self.mqtt = MqttClient(*self.mosquitto, client_id=f"sim-tts-{self.tmp_path.name}")
            await self.mqtt.start()
            self.simulator = DeviceSimulator(config.devices, self.mqtt)
            await self.simulator.start()
        hub = Hub(config)
        self.hubs.append(hub)
        await hub.start()
        await asyncio.sleep(0.2)  # retained states reach the registry
        return RunningHome(hub, config)

    async def close(self) -> None:
        for hub in self.hubs:
            await hub.stop()
        if self.simulator is not None:
            await self.simulator.stop()
        if self.mqtt is not None:
            await self.mqtt.stop()


@pytest.fixture
async def homes(
    tmp_path: Path, mosquitto: tuple[str, int], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Home]:
    cache = tmp_path / "cache"
    # Only the TTS cache moves: the classifier cache stays shared, so the hub does not retrain per test.
    monkeypatch.setattr("assistant.hub.default_cache_dir", lambda: cache)
    home = Home(tmp_path, mosquitto, cache)
    try:
        yield home
    finally:
        await home.close()


@pytest.fixture(scope="module")
def voice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny piper voice (fails under CI when piper-tts is missing)."""
    require_piper()
    return build_voice(tmp_path_factory.mktemp("voice"))


class Speaker:
    """A protocol v1 client that keeps binary frames in order with the events."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def send(self, **event: Any) -> None:
        await self.ws.send(json.dumps(event))

    async def until(
        self, done: Callable[[dict[str, Any]], bool], wait: float = 10.0
    ) -> list[dict[str, Any] | bytes]:
        """Events (dicts) and audio frames (bytes), state events left out, up to the one `done` accepts."""
        items: list[dict[str, Any] | bytes] = []
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), wait)
            if isinstance(raw, bytes):
                items.append(raw)
                continue
            event = json.loads(raw)
            if event["type"] in ("state", "home"):
                continue
            items.append(event)
            if done(event):
                return items

    async def run(self, text: str, run_id: str = "r1", **extra: Any) -> list[dict[str, Any] | bytes]:
        await self.send(type="run", id=run_id, text=text, **extra)
        return await self.until(lambda e: e["type"] == "run-end" and e.get("id") == run_id)


async def speaker(url: str, token: str = KITCHEN_TOKEN, **hello: Any) -> Speaker:
    ws = await connect(url)
    client = Speaker(ws)
    await client.send(type="hello", token=token, **hello)
    [welcome] = await client.until(lambda e: e["type"] == "welcome")
    assert isinstance(welcome, dict)
    return client


def events(items: list[dict[str, Any] | bytes], kind: str | None = None) -> list[dict[str, Any]]:
    return [i for i in items if isinstance(i, dict) and (kind is None or i["type"] == kind)]


def audio(items: list[dict[str, Any] | bytes]) -> bytes:
    return b"".join(i for i in items if isinstance(i, bytes))


def kinds(items: list[dict[str, Any] | bytes]) -> list[str]:
    return ["<audio>" if isinstance(i, bytes) else i["type"] for i in items]


async def test_spoken_reply_streams_then_comes_from_the_cache(homes: Home, voice: Path) -> None:
    home = await homes.start(piper_tts(voice))
    client = await speaker(home.url, tts=True)
    first = await client.run(TURN_ON)
    order = kinds(first)
    assert order.index("reply") < order.index("tts-start") < order.index("<audio>")
    assert order.index("<audio>") < order.index("tts-end") < order.index("run-end")
    [start] = events(first, "tts-start")
    assert (start["format"], start["rate"], start["width"], start["channels"]) == ("pcm16", 16000, 2, 1)
    [end] = events(first, "tts-end")
    assert end["cached"] is False and end["synthesis_ms"] >= 0
    [run_end] = events(first, "run-end")
    assert run_end["ok"] is True and "tts" in run_end["timings"]
    assert len(audio(first)) > 0 and len(audio(first)) % 2 == 0

    second = await client.run(TURN_ON, "r2")
    [end2] = events(second, "tts-end")
    assert end2["cached"] is True
    assert audio(second) == audio(first)
    await client.ws.close()


async def test_run_tts_overrides_the_session_choice(homes: Home, voice: Path) -> None:
    home = await homes.start(piper_tts(voice))
    quiet = await speaker(home.url)
    assert audio(await quiet.run(TURN_ON)) == b""
    spoken = await quiet.run(TURN_ON, "r2", tts=True)
    assert events(spoken, "tts-end") and audio(spoken)
    loud = await speaker(home.url, PHONE_TOKEN, tts=True)
    silenced = await loud.run(TURN_ON, "r3", tts=False)
    assert not events(silenced, "tts-start") and audio(silenced) == b""
    await quiet.ws.close()
    await loud.ws.close()


async def test_cancel_mid_reply_stops_the_audio(homes: Home, voice: Path) -> None:
    home = await homes.start(piper_tts(voice))
    assert home.hub.tts is not None
    engine = GatedEngine(sentences=5)
    home.hub.tts.engine = engine
    client = await speaker(home.url, tts=True)
    await client.send(type="run", id="r1", text=TURN_ON)
    before = await client.until(lambda e: e["type"] == "tts-start")
    first = await asyncio.wait_for(client.ws.recv(), 5)
    assert isinstance(first, bytes)
    await client.send(type="cancel", id="r1")
    rest = await client.until(lambda e: e["type"] == "run-end")
    engine.go.set()  # the engine may go on now: nothing more may reach the client
    [run_end] = events(rest, "run-end")
    assert run_end["code"] == "cancelled"
    assert "tts-end" not in kinds(rest)
    assert await asyncio.to_thread(engine.closed.wait, 5)
    assert engine.rendered < engine.sentences  # at most the sentence in flight finished
    # Nothing of the cancelled reply arrives afterwards; the session goes on.
    after = await client.run("turn off the kitchen light", "r2", tts=False)
    assert audio(after) == b"" and kinds(before)[-1] == "tts-start"
    await client.ws.close()


async def test_engine_failure_is_an_error_and_the_run_still_ends(homes: Home, voice: Path) -> None:
    home = await homes.start(piper_tts(voice))
    assert home.hub.tts is not None
    home.hub.tts.engine = GatedEngine(sentences=1, fail_after=0)
    client = await speaker(home.url, tts=True)
    items = await client.run(TURN_ON)
    [error] = events(items, "error")
    assert error["code"] == "tts-failed" and error["id"] == "r1"
    [run_end] = events(items, "run-end")
    assert run_end["ok"] is True  # the light did turn on
    assert audio(items) == b""
    await client.ws.close()


async def test_speaking_never_blocks_other_sessions(homes: Home, voice: Path) -> None:
    home = await homes.start(piper_tts(voice))
    assert home.hub.tts is not None
    engine = GatedEngine(sentences=3)
    home.hub.tts.engine = engine
    talker = await speaker(home.url, tts=True)
    await talker.send(type="run", id="r1", text=TURN_ON)
    await talker.until(lambda e: e["type"] == "tts-start")
    other = await speaker(home.url, PHONE_TOKEN)
    # The talker's synthesis is stuck in its thread; another client is served meanwhile.
    items = await other.run("turn off the bedroom lamp", "o1")
    assert events(items, "run-end")
    engine.go.set()
    rest = await talker.until(lambda e: e["type"] == "run-end")
    assert events(rest, "tts-end")
    await talker.ws.close()
    await other.ws.close()


async def test_hub_without_tts_says_so(homes: Home) -> None:
    home = await homes.start("  engine: none\n")
    assert home.hub.tts is None
    client = await speaker(home.url, tts=True)
    items = await client.run(TURN_ON)
    assert [e["code"] for e in events(items, "error")] == ["tts-unavailable"]
    assert events(items, "run-end")[0]["ok"] is True
    await client.ws.close()


async def test_espeak_ng_speaks_through_the_hub(homes: Home) -> None:
    require_espeak()
    home = await homes.start("  engine: espeak-ng\n")
    client = await speaker(home.url, tts=True)
    items = await client.run(TURN_ON)
    [start] = events(items, "tts-start")
    assert start["rate"] == 22050
    assert len(audio(items)) > 22050  # over half a second of speech
    await client.ws.close()


async def test_prewarm_fills_the_cache_with_frequent_confirmations(homes: Home, voice: Path) -> None:
    counter = ReplyCounter(homes.cache / "tts" / "replies.json")
    for _ in range(3):
        counter.record(CONFIRMATION)
    counter.save()
    home = await homes.start(piper_tts(voice))
    tts = home.hub.tts
    assert tts is not None and tts.cache is not None
    key = cache_key(tts.engine.voice_id, CONFIRMATION)
    for _ in range(500):  # pre-warming runs in the background after start-up
        if key in tts.cache:
            break
        await asyncio.sleep(0.01)
    assert key in tts.cache
    client = await speaker(home.url, tts=True)
    items = await client.run(TURN_ON)
    assert events(items, "reply")[0]["text"] == CONFIRMATION
    assert events(items, "tts-end")[0]["cached"] is True  # warm on the very first run
    await client.ws.close()


async def test_bad_voice_path_is_a_config_error_naming_tts_voice(tmp_path: Path) -> None:
    folder = with_tts(make_home(tmp_path, None), piper_tts(tmp_path / "missing.onnx"))
    with pytest.raises(ConfigError) as info:
        load_config(folder)
    [problem] = info.value.problems
    assert problem.key == "tts.voice" and problem.file.endswith("hearth.yaml") and problem.line > 0
    assert "missing.onnx" in problem.message and ".onnx.json" in problem.message


async def test_unreadable_voice_fails_hub_start_up(tmp_path: Path, mosquitto: tuple[str, int]) -> None:
    voice = build_voice(tmp_path / "voice")
    voice.write_bytes(b"\0" * 64)  # passes the config check (the files exist) but is no model
    config = load_config(with_tts(make_home(tmp_path, mosquitto), piper_tts(voice)))
    hub = Hub(config)
    try:
        with pytest.raises(TtsError) as info:
            await hub.start()
    finally:
        await hub.stop()
    assert info.value.key == "tts.voice"
