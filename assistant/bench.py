"""`hearth bench`: recognition latency by home size, run → publish, WebSocket run → confirmed state."""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from websockets.asyncio.client import connect

from intents.model import EntityName
from intents.recognizer import TemplateRecognizer, load_builtin, merge
from intents.synthetic import synthetic_home

from .config import load_config

T = TypeVar("T")
SIZES = (10, 100, 1_000, 5_000)


@dataclass(frozen=True, slots=True)
class Row:
    """One measured figure and its target."""

    what: str
    samples: int
    p50_ms: float
    p99_ms: float
    target: str


def progress(items: Iterable[T], total: int, label: str) -> Iterator[T]:
    """Yield items while drawing a progress bar on stderr (only on a terminal)."""
    tty = sys.stderr.isatty()
    step = max(1, total // 50)
    for done, item in enumerate(items, 1):
        if tty and (done % step == 0 or done == total):
            filled = int(30 * done / total)
            sys.stderr.write(f"\r  {label:<34} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}")
            sys.stderr.flush()
        yield item
    if tty:
        sys.stderr.write("\r" + " " * 80 + "\r")


def progress_bar(label: str) -> Callable[[int, int], None]:
    """A progress callback (done, total) drawing a bar on stderr."""

    def draw(done: int, total: int) -> None:
        filled = int(30 * done / max(total, 1))
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\r  {label:<34} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}{end}")
        sys.stderr.flush()

    return draw


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    """Median and 99th percentile."""
    ordered = sorted(samples_ms)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered), p99


def utterances(entities: list[EntityName], count: int, seed: int = 1) -> list[str]:
    """Everyday commands about random devices of a home."""
    rng = random.Random(seed)
    phrasings: list[Callable[[EntityName], str]] = [
        lambda e: f"turn on the {e.names[0]}",
        lambda e: f"turn off the {e.names[0]}",
        lambda e: f"switch the {e.names[0]} off",
        lambda e: f"set the {e.names[0]} to {rng.randint(1, 100)} percent",
        lambda e: f"is the {e.names[0]} on",
    ]
    return [rng.choice(phrasings)(rng.choice(entities)) for _ in range(count)]


def bench_recognition(sizes: tuple[int, ...], count: int) -> list[Row]:
    """Template recognition latency for homes of several sizes."""
    data = merge(load_builtin("en"))
    rows = []
    for size in sizes:
        entities, areas = synthetic_home(size)
        recognizer = TemplateRecognizer(data, entities, areas)
        texts = utterances(entities, count)
        for text in texts[:50]:
            recognizer.recognize(text)  # warm caches the way a running hub would be
        samples, misses = [], 0
        for text in progress(texts, len(texts), f"recognition, {size} devices"):
            started = time.perf_counter_ns()
            match = recognizer.recognize(text)
            samples.append((time.perf_counter_ns() - started) / 1e6)
            misses += match is None
        p50, p99 = percentiles(samples)
        label = f"text → intent, {size:,} devices" + (f" ({misses} not understood)" if misses else "")
        rows.append(Row(label, len(samples), p50, p99, "p50 ≤ 0.1 ms, p99 ≤ 1 ms"))
    return rows


async def bench_pipeline(config_dir: Path, count: int) -> list[Row]:
    """Hub-internal latency from a text run to the MQTT publish, and WebSocket run → confirmed state."""
    from .hub import Hub

    config = load_config(config_dir)
    hub = Hub(config, simulate=True)
    await hub.start()
    try:
        return [await _internal(hub, count), await _websocket(hub, config_dir, count)]
    finally:
        await hub.stop()


async def _internal(hub: Any, count: int) -> Row:
    from intents.context import ContextWindow

    from .pipeline import RunRequest, Speaker

    mqtt = hub.devices.mqtt
    publish = mqtt.publish
    published: list[int] = []

    async def timed_publish(*args: Any, **kwargs: Any) -> Any:
        published.append(time.perf_counter_ns())
        return await publish(*args, **kwargs)

    mqtt.publish = timed_publish
    samples = []
    context = ContextWindow()
    try:
        for n in progress(range(count), count, "text run → MQTT publish"):
            text = f"turn {'on' if n % 2 else 'off'} the bench light"
            started = time.perf_counter_ns()
            await hub.pipeline.run(RunRequest(id=f"b{n}", text=text), Speaker(), context, lambda _event: None)
            samples.append((published[-1] - started) / 1e6)
    finally:
        mqtt.publish = publish
    p50, p99 = percentiles(samples)
    return Row("text run → MQTT publish (in hub)", len(samples), p50, p99, "p50 ≤ 1 ms")


async def _websocket(hub: Any, config_dir: Path, count: int) -> Row:
    config = load_config(config_dir)
    token = config.hub.clients[0].token
    samples = []
    async with connect(f"ws://127.0.0.1:{hub.port}/ws") as ws:
        await ws.send(json.dumps({"type": "hello", "token": token}))
        await ws.recv()
        for n in progress(range(count), count, "WebSocket run → state confirmed"):
            text = f"turn {'on' if n % 2 else 'off'} the bench light"
            started = time.perf_counter_ns()
            await ws.send(json.dumps({"type": "run", "id": f"w{n}", "text": text}))
            while True:
                event = json.loads(await ws.recv())
                if event["type"] == "action":
                    if not event["ok"]:
                        raise RuntimeError(f"bench action failed: {event}")
                    samples.append((time.perf_counter_ns() - started) / 1e6)
                if event["type"] == "run-end":
                    break
    p50, p99 = percentiles(samples)
    return Row("WebSocket run → device state confirmed", len(samples), p50, p99, "p50 ≤ 5 ms")


def bench_home(directory: Path) -> Path:
    """Write a one-device home on the managed broker (a free port) for the end-to-end figures."""
    hearth = {
        "hub": {"listen": "127.0.0.1:0", "clients": [{"name": "bench", "token": "bench-token-0123456789"}]},
        "mqtt": {"broker": "managed", "managed_port": 0},
    }
    devices = {
        "areas": ["lab"],
        "devices": [
            {
                "id": "bench_light",
                "name": "bench light",
                "type": "light",
                "area": "lab",
                "protocol": "zigbee2mqtt",
                "topic": "zigbee2mqtt/bench_light",
            }
        ],
    }
    (directory / "hearth.yaml").write_text(yaml.safe_dump(hearth))
    (directory / "devices.yaml").write_text(yaml.safe_dump(devices))
    return directory


def _typo(word: str, rng: random.Random) -> str:
    """One keyboard slip: two neighbouring letters swapped (inside the word)."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def stack_utterances(entities: list[EntityName], count: int, seed: int = 2) -> list[str]:
    """Commands for the whole stack: template phrasings, typos, paraphrases and two-command utterances."""
    rng = random.Random(seed)
    kinds: list[Callable[[str, str], str]] = [
        lambda a, _b: f"turn on the {a}",
        lambda a, _b: f"trun off the {a}",
        lambda a, _b: "turn on the " + " ".join(_typo(w, rng) for w in a.split()),
        lambda a, _b: f"i would like the {a} on",
        lambda a, _b: f"could you get the {a} going",
        lambda a, b: f"turn on the {a} and turn off the {b}",
    ]
    names = [e.names[0] for e in entities]
    return [rng.choice(kinds)(rng.choice(names), rng.choice(names)) for _ in range(count)]


def bench_understanding_stack(size: int, count: int) -> list[Row]:
    """Latency of the layered understanding (templates, speller, splitter, classifier) per deciding layer."""
    from intents.classifier import default_cache_dir, load_or_train
    from intents.classify import ClassifierLayer
    from intents.linker import EntityLinker
    from intents.targets import EntityIndex
    from intents.understand import Understander
    from intents.vocabulary import template_words

    data = merge(load_builtin("en"))
    entities, areas = synthetic_home(size)
    classifier, _trained = load_or_train(data, default_cache_dir())
    linker = EntityLinker(entities, areas, vocabulary=template_words(data))
    layer = ClassifierLayer(classifier, linker, data, EntityIndex(entities))
    understander = Understander(data, entities, areas, classifier=layer, cache_size=0)
    samples: dict[str, list[float]] = {}
    texts = stack_utterances(entities, count)
    for text in texts[:30]:
        understander.understand(text)
    for text in progress(texts, len(texts), f"understanding, {size:,} devices"):
        started = time.perf_counter_ns()
        found = understander.understand(text)
        elapsed = (time.perf_counter_ns() - started) / 1e6
        samples.setdefault(found.layer or "not understood", []).append(elapsed)
        samples.setdefault("all layers", []).append(elapsed)
    rows = []
    for name, values in sorted(samples.items()):
        p50, p99 = percentiles(values)
        target = "p99 ≤ 5 ms" if name == "all layers" else ""
        rows.append(Row(f"understanding, {size:,} devices: {name}", len(values), p50, p99, target))
    return rows


def bench_accuracy(config_dir: Path) -> int:
    """Accuracy per category on the YAML suites, and latency per layer, through the real pipeline."""
    from devices.registry import Registry

    from .evaluate import FIRST_RUN_SUITES, SUITE_NAMES, DryRunDevices, evaluate, load_suite, print_report
    from .pipeline import Pipeline, build_understander, load_classifier

    config = load_config(config_dir)
    layer, _ = load_classifier(config)
    root = Path(__file__).resolve().parents[1] / "tests" / "intents"
    for name in (*SUITE_NAMES, *FIRST_RUN_SUITES):
        folder = root / name
        if not folder.is_dir():
            print(f"(no {folder}: the YAML suites ship with the source tree)")
            continue
        registry = Registry(config.devices)
        pipeline = Pipeline(
            config, registry, DryRunDevices(registry), understander=build_understander(config, layer)
        )
        report = asyncio.run(evaluate(config, pipeline, load_suite(folder)))
        print(
            f"\n{name}: {len(report.outcomes)} utterances (targets: template ≥ 98 % exact; paraphrase, typo, "
            "asr_noise ≥ 90 %; multi_command, followup ≥ 95 %; wrong ≤ 1 % everywhere)"
        )
        print_report(report)
    return 0


def print_table(rows: list[Row]) -> None:
    """Print measured figures beside their targets."""
    width = max(len(r.what) for r in rows)
    print(f"{'what':<{width}}  {'n':>6}  {'p50 ms':>9}  {'p99 ms':>9}  target")
    for r in rows:
        print(f"{r.what:<{width}}  {r.samples:>6}  {r.p50_ms:>9.4f}  {r.p99_ms:>9.4f}  {r.target}")


# Every section `hearth bench` runs when `--only` does not narrow it.
BENCHMARKS = (
    "recognition",
    "understanding",
    "pipeline",
    "accuracy",
    "audio",
    "tts",
    "startup",
    "caches",
    "automations",
)


def run_benchmarks(*, quick: bool = False, only: set[str] | None = None, asr_model: str | None = None) -> int:
    """Run the selected benchmarks and print their tables."""
    rows: list[Row] = []
    wanted = only or set(BENCHMARKS)
    if "recognition" in wanted:
        rows += bench_recognition(SIZES, 300 if quick else 3_000)
    if "understanding" in wanted:
        rows += bench_understanding_stack(5_000, 300 if quick else 2_000)
    if wanted & {"pipeline", "websocket"}:
        with tempfile.TemporaryDirectory(prefix="hearth-bench-") as tmp:
            rows += asyncio.run(bench_pipeline(bench_home(Path(tmp)), 50 if quick else 500))
    if rows:
        print_table(rows)
    if "accuracy" in wanted:
        bench_accuracy(Path(__file__).resolve().parents[1] / "config")
    if "audio" in wanted:
        from .bench_audio import bench_audio

        bench_audio(quick=quick, model=Path(asr_model).resolve() if asr_model else None)
    if "tts" in wanted:
        from .bench_tts import bench_tts

        bench_tts(quick=quick)
    if "startup" in wanted:
        from .bench_startup import bench_startup

        bench_startup(quick=quick)
    if "caches" in wanted:
        from .bench_caches import bench_caches

        bench_caches(quick=quick)
    if "automations" in wanted:
        from .bench_automations import bench_automation_latency

        bench_automation_latency(quick=quick)
    return 0
