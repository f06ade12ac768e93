"""`hearth bench --only tts`: first audio over a real hub WebSocket (cached, uncached), engine speed."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from websockets.asyncio.client import connect

from .bench import Row, bench_home, percentiles, print_table, progress
from .config import load_config
from .tts.cache import AudioCache
from .tts.engine import TtsEngine, TtsError, TtsSettings, build_engine

REPLIES = (
    "Turned on the kitchen light.",
    "Turned off the living room lamp and the hallway light.",
    "Set the thermostat to twenty one degrees. The heating is on.",
    "The front door is locked.",
    "Timer set for five minutes.",
)
# Two devices, so one utterance gives a two-sentence reply: the first can stream before the second is made.
TWO_SENTENCES = "turn on the bench light and turn off the bench fan"
TINY_VOICE = Path(__file__).resolve().parents[1] / "tests" / "tts" / "tiny_piper.py"


def tiny_piper_voice(directory: Path) -> Path | None:
    """Build the test suite's tiny piper voice (needs the source tree and piper-tts), else None."""
    if not TINY_VOICE.is_file() or importlib.util.find_spec("piper") is None:
        return None
    spec = importlib.util.spec_from_file_location("hearth_tiny_piper", TINY_VOICE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path: Path = module.build_voice(directory)
    return path


def engine_rows(name: str, engine: TtsEngine, rounds: int) -> list[Row]:
    """Time to the first chunk and real-time factor (synthesis time / audio time) of one engine."""
    first_ms, factors = [], []
    for _ in progress(range(rounds), rounds, f"{name}: synthesis"):
        for text in REPLIES:
            started = time.perf_counter()
            stream = engine.synthesize(text)
            first = next(stream)
            first_ms.append((time.perf_counter() - started) * 1000)
            size = len(first) + sum(len(chunk) for chunk in stream)
            factors.append((time.perf_counter() - started) / (size / 2 / engine.rate))
    p50, p99 = percentiles(first_ms)
    rtf50, rtf99 = percentiles(factors)
    return [
        Row(f"{name}: text → first audio chunk", len(first_ms), p50, p99, ""),
        Row(
            f"{name}: real-time factor, as ms per s of audio",
            len(factors),
            rtf50 * 1000,
            rtf99 * 1000,
            "",
        ),
    ]


def tts_home(directory: Path, voice: Path) -> Path:
    """The bench home with a second device and the tiny piper voice."""
    directory.mkdir(parents=True, exist_ok=True)
    bench_home(directory)
    hearth = yaml.safe_load((directory / "hearth.yaml").read_text())
    hearth["tts"] = {"engine": "piper", "voice": str(voice), "prewarm": 0}
    devices = yaml.safe_load((directory / "devices.yaml").read_text())
    fan = dict(devices["devices"][0], id="bench_fan", name="bench fan", topic="zigbee2mqtt/bench_fan")
    devices["devices"].append(fan)
    (directory / "hearth.yaml").write_text(yaml.safe_dump(hearth))
    (directory / "devices.yaml").write_text(yaml.safe_dump(devices))
    return directory


async def hub_rows(config_dir: Path, cache_dir: Path, count: int) -> list[Row]:
    """First audio byte over a real WebSocket, uncached then cached, hub side and client side."""
    from .hub import Hub

    config = load_config(config_dir)
    hub = Hub(config, simulate=True)
    await hub.start()
    try:
        assert hub.tts is not None
        # A private cache: the bench neither reads nor fills the user's reply cache or counts.
        cache = hub.tts.cache = AudioCache(cache_dir, 64 * 1024 * 1024)
        hub.tts.counter = None
        token = config.hub.clients[0].token
        async with connect(f"ws://127.0.0.1:{hub.port}/ws", max_size=None) as ws:
            await ws.send(json.dumps({"type": "hello", "token": token, "tts": True}))
            await ws.recv()
            uncached = [await _spoken(ws, f"u{n}", TWO_SENTENCES, cache.clear) for n in range(count)]
            await _spoken(ws, "warm", TWO_SENTENCES, None)
            cached = [await _spoken(ws, f"c{n}", TWO_SENTENCES, None) for n in range(count)]

            def cold_memory() -> None:
                # A fresh index, as after a restart: the audio is read from disk, not memory.
                assert hub.tts is not None
                hub.tts.cache = AudioCache(cache_dir, 64 * 1024 * 1024)

            on_disk = [await _spoken(ws, f"d{n}", TWO_SENTENCES, cold_memory) for n in range(count)]
    finally:
        await hub.stop()
    rows = []
    for label, samples, target in (
        ("uncached", uncached, "≤ 50 ms, streamed before synthesis ends"),
        ("cached", cached, "≤ 5 ms (hub side)"),
        ("cached on disk only", on_disk, "≤ 5 ms (hub side)"),
    ):
        hub_p50, hub_p99 = percentiles([s["hub_ms"] for s in samples])
        client_p50, client_p99 = percentiles([s["client_ms"] for s in samples])
        streamed = sum(s["streamed"] for s in samples)
        hits = sum(s["cached"] for s in samples)
        note = f"{target}; cache hits {hits}/{len(samples)}"
        if label == "uncached":
            note += f"; first audio before synthesis ended {streamed}/{len(samples)}"
        rows.append(
            Row(f"piper tiny, {label}: reply → first audio (hub)", len(samples), hub_p50, hub_p99, note)
        )
        rows.append(
            Row(
                f"piper tiny, {label}: reply event → first byte (client)",
                len(samples),
                client_p50,
                client_p99,
                "",
            )
        )
    return rows


async def _spoken(ws: Any, run_id: str, text: str, before: Callable[[], object] | None) -> dict[str, Any]:
    """One run with a spoken reply: hub-side first-audio time from tts-end, client-side from reply."""
    if before is not None:
        before()
    await ws.send(json.dumps({"type": "run", "id": run_id, "text": text}))
    reply_at = first_at = None
    end: dict[str, Any] = {}
    while True:
        frame = await ws.recv()
        now = time.perf_counter()
        if isinstance(frame, bytes):
            first_at = first_at or now
            continue
        event = json.loads(frame)
        if event["type"] == "reply":
            reply_at = now
        elif event["type"] == "tts-end":
            end = event
        elif event["type"] == "error" and event.get("id") == run_id:
            raise RuntimeError(f"bench run failed: {event}")
        elif event["type"] == "run-end" and event["id"] == run_id:
            break
    if reply_at is None or first_at is None or not end:
        raise RuntimeError(f"run {run_id} spoke no reply")
    return {
        "hub_ms": end["first_audio_ms"],
        "client_ms": (first_at - reply_at) * 1000,
        "cached": end["cached"],
        "streamed": end["first_audio_ms"] < end["synthesis_ms"],  # sent before the last sentence was made
    }


def bench_tts(*, quick: bool = False) -> int:
    """Measure each available engine, then the hub's spoken replies with the tiny piper voice."""
    rows: list[Row] = []
    notes: list[str] = []
    rounds = 4 if quick else 20
    with tempfile.TemporaryDirectory(prefix="hearth-bench-tts-") as tmp:
        folder = Path(tmp)
        voice = tiny_piper_voice(folder / "voice")
        engines: list[tuple[str, TtsSettings]] = [("espeak-ng", TtsSettings(engine="espeak-ng"))]
        if voice is None:
            notes.append("piper: needs piper-tts (pip install 'hearth[piper]') and the source tree's tests/")
        else:
            engines.append(("piper tiny voice", TtsSettings(engine="piper", voice=str(voice))))
        for name, settings in engines:
            try:
                engine = build_engine(settings)
            except TtsError as err:
                notes.append(f"{name}: {err}")
                continue
            assert engine is not None
            rows += engine_rows(name, engine, rounds)
        if voice is not None:
            home = tts_home(folder / "home", voice)
            rows += asyncio.run(hub_rows(home, folder / "cache", 20 if quick else 200))
    if rows:
        print_table(rows)
    for note in notes:
        print(f"(skipped {note})")
    return 0
