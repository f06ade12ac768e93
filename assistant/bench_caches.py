"""`hearth bench --only caches`: two replayed days of commands on the sample home; what the caches answer."""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect

from .bench import progress_bar
from .config import load_config

# What a household says over a day, most frequent first (a Zipf law over ranks gives the mix). Some are
# said with the slips of a keyboard or a recogniser, which only the slower layers understand.
DAY = (
    "turn on the kitchen light",
    "turn off the kitchen light",
    "turn off the living room lamp",
    "turn on the living room lamp",
    "what's the temperature in the bathroom",
    "open the living room blinds",
    "close the living room blinds",
    "turn of the kichen light",
    "lock the front door",
    "set the living room thermostat to 21 degrees",
    "kitchen light on please",
    "turn on the coffee maker",
    "is the front door locked",
    "turn off all the lights",
    "dim the living room ceiling light to 30 percent",
    "close the garage door",
    "turn on the bedroom fan",
    "bedroom lite off",
    "set the bedroom thermostat to 19 degrees",
    "turn off the tv",
    "open the bedroom blinds",
    "shut the garage door",
    "turn on the hallway light",
    "turn the hallway light off",
    "unlock the frnt door",
    "pause the office speaker",
    "turn on the garage light",
    "switch off the coffee maker",
    "make the living room lamp brighter",
    "turn off the bathroom fan",
)
TOKEN = "demo-kitchen-7c1f9a2e"  # the sample home's kitchen client


@dataclass
class DayFigures:
    """What one replayed day measured."""

    runs: int = 0
    sources: Counter[str] = field(default_factory=Counter)
    spoken: int = 0
    audio_cached: int = 0
    first_audio_ms: dict[bool, list[float]] = field(default_factory=lambda: {True: [], False: []})


def day_of_commands(count: int, seed: int) -> list[str]:
    """`count` commands drawn from DAY with Zipf weights (rank^-1.1)."""
    weights = [1 / (rank**1.1) for rank in range(1, len(DAY) + 1)]
    return random.Random(seed).choices(DAY, weights=weights, k=count)


def _sample_home(directory: Path) -> Path:
    """The sample home on a managed broker and a free port, speaking with espeak-ng."""
    target = directory / "config"
    shutil.copytree(Path(__file__).resolve().parents[1] / "config", target)
    text = (target / "hearth.yaml").read_text()
    text = text.replace('listen: "127.0.0.1:8765"', 'listen: "127.0.0.1:0"')
    text = text.replace("broker: managed", "broker: managed\n  managed_port: 0")
    (target / "hearth.yaml").write_text(text)
    return target


async def _replay(config_dir: Path, commands: list[str], draw: Any) -> DayFigures:
    from .hub import Hub

    hub = Hub(load_config(config_dir), simulate=True)
    await hub.start()
    figures = DayFigures()
    try:
        async with connect(f"ws://127.0.0.1:{hub.port}/ws", max_size=None) as ws:
            await ws.send(json.dumps({"type": "hello", "token": TOKEN, "client": "bench", "tts": True}))
            for index, text in enumerate(commands):
                await ws.send(json.dumps({"type": "run", "id": f"d{index}", "text": text}))
                await _collect(ws, f"d{index}", figures)
                if draw is not None:
                    draw(index + 1, len(commands))
    finally:
        await hub.stop()
    return figures


async def _collect(ws: Any, run_id: str, figures: DayFigures) -> None:
    figures.runs += 1
    while True:
        raw = await asyncio.wait_for(ws.recv(), 30)
        if not isinstance(raw, str):
            continue
        event = json.loads(raw)
        if event.get("id") != run_id:
            continue
        if event["type"] == "intent":
            figures.sources[event["source"]] += 1
        elif event["type"] == "tts-end":
            figures.spoken += 1
            figures.audio_cached += bool(event["cached"])
            figures.first_audio_ms[bool(event["cached"])].append(float(event.get("first_audio_ms", 0.0)))
        elif event["type"] == "run-end":
            return


def _print_day(label: str, day: DayFigures) -> None:
    intents = sum(day.sources.values())
    slow = intents - day.sources["template"] - day.sources["cache"]
    cached_or_slow = day.sources["cache"] + slow
    recognised = day.sources["cache"] / cached_or_slow if cached_or_slow else 0.0
    audio = day.audio_cached / day.spoken if day.spoken else 0.0
    mix = ", ".join(f"{source} {count}" for source, count in day.sources.most_common())
    print(f"{label}: {day.runs} runs; intents by layer: {mix}")
    print(
        f"  recognition cache: {recognised:.0%} of what the templates alone did not parse "
        f"({day.sources['cache']}/{cached_or_slow})"
    )
    print(f"  spoken-reply cache: {audio:.0%} of replies ({day.audio_cached}/{day.spoken})")
    for cached in (True, False):
        samples = day.first_audio_ms[cached]
        if samples:
            kind = "cached" if cached else "synthesised"
            median = statistics.median(samples)
            print(f"    first audio, {kind:<11}: median {median:8.2f} ms (n={len(samples)})")


def bench_caches(*, quick: bool = False) -> None:
    """Replay two days on the sample home (a hub restart between them) and print the cache figures."""
    if shutil.which("espeak-ng") is None:
        print("\ncache replay skipped: espeak-ng is not installed (the sample home speaks with it)")
        return
    runs = 100 if quick else 400
    with tempfile.TemporaryDirectory(prefix="hearth-day-") as tmp:
        previous = os.environ.get("HEARTH_CACHE_DIR")
        os.environ["HEARTH_CACHE_DIR"] = str(Path(tmp) / "cache")  # both days start from nothing
        try:
            home = _sample_home(Path(tmp))
            print(f"\nTwo replayed days of {runs} commands on the sample home (hub restarted in between)")
            days = []
            for number in (1, 2):
                draw = progress_bar(f"day {number}") if sys.stderr.isatty() else None
                days.append(asyncio.run(_replay(home, day_of_commands(runs, seed=number), draw)))
        finally:
            if previous is None:
                os.environ.pop("HEARTH_CACHE_DIR", None)
            else:
                os.environ["HEARTH_CACHE_DIR"] = previous
    for number, day in enumerate(days, 1):
        _print_day(f"day {number}", day)
