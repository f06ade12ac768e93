"""`hearth bench --only startup`: cold and warm start of a 1,000-device home, and what a rename rebuilds."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from .bench import progress_bar

BASE_AREAS = (
    "kitchen", "living room", "bedroom", "bathroom", "hallway", "garage", "office", "attic", "cellar",
    "porch", "guest room", "nursery", "study", "pantry", "laundry", "dining room", "garden", "balcony",
    "library", "gym",
)  # fmt: skip
KINDS = (
    ("ceiling light", "light"), ("lamp", "light"), ("desk lamp", "light"), ("floor lamp", "light"),
    ("light strip", "light"), ("spotlights", "light"), ("blind", "cover"), ("curtain", "cover"),
    ("radiator", "climate"), ("thermostat", "climate"), ("fan", "fan"), ("speaker", "media_player"),
    ("tv", "media_player"), ("plug", "switch"), ("kettle", "switch"), ("heater", "switch"),
    ("lock", "lock"), ("door sensor", "sensor"), ("motion sensor", "sensor"),
    ("temperature sensor", "sensor"),
)  # fmt: skip
RENAMED = ("kitchen_lamp", "kitchen reading lamp")
# Which cache files each layer writes, by name prefix under the cache folder.
LAYER_FILES = {
    "intent classifier": "intent-classifier-",
    "compiled templates": "template-grammar-",
    "speech grammar": "sphinx-",
}


def big_home(directory: Path, devices: int = 1000) -> Path:
    """Write a home of `devices` devices (20 kinds in each of devices/20 areas) with pocketsphinx on."""
    areas: list[str] = []
    for prefix in ("", "upstairs ", "east ", "west ", "north ", "south "):
        areas += [f"{prefix}{base}" for base in BASE_AREAS]
    areas = areas[: max(1, devices // len(KINDS))]
    listed = []
    for area in areas:
        for kind, device_type in KINDS:
            device_id = f"{area} {kind}".replace(" ", "_")
            listed.append(
                {
                    "id": device_id,
                    "name": f"{area} {kind}",
                    "type": device_type,
                    "area": area,
                    "protocol": "zigbee2mqtt",
                    "topic": f"zigbee2mqtt/{device_id}",
                }
            )
    hearth = {
        "hub": {"listen": "127.0.0.1:0", "clients": [{"name": "bench", "token": "bench-token-0123456789"}]},
        "mqtt": {"broker": "managed", "managed_port": 0},
        "asr": {"engine": "pocketsphinx"},
        "tts": {"engine": "none"},
    }
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "hearth.yaml").write_text(yaml.safe_dump(hearth))
    (directory / "devices.yaml").write_text(yaml.safe_dump({"areas": areas, "devices": listed[:devices]}))
    return directory


def rename_device(directory: Path, device_id: str, name: str) -> None:
    """Give one device of a home a new name."""
    path = directory / "devices.yaml"
    data = yaml.safe_load(path.read_text())
    for device in data["devices"]:
        if device["id"] == device_id:
            device["name"] = name
    path.write_text(yaml.safe_dump(data))


def child(config_dir: str) -> None:
    """In a fresh interpreter: load everything a hub needs to recognise, print the phases as JSON."""
    started = time.perf_counter()
    from .config import load_config
    from .pipeline import build_understander, home_vocabulary, load_classifier
    from .speech.engines import build_listener

    phases: dict[str, float] = {"import": time.perf_counter() - started}

    def timed(name: str, step: Any) -> Any:
        begin = time.perf_counter()
        result = step()
        phases[name] = time.perf_counter() - begin
        return result

    config = timed("config", lambda: load_config(config_dir))
    classifier, _trained = timed("classifier", lambda: load_classifier(config))
    understander = timed("templates and names", lambda: build_understander(config, classifier))
    listener = timed("speech grammar", lambda: build_listener(config.asr, home_vocabulary(config)))
    timed("first utterance", lambda: understander.understand("turn on the kitchen lamp"))
    if listener is not None:
        listener.engine.close()
    print(json.dumps({name: round(seconds * 1000, 1) for name, seconds in phases.items()}))


def _start(config_dir: Path, cache_dir: Path) -> dict[str, float]:
    env = {**os.environ, "HEARTH_CACHE_DIR": str(cache_dir)}
    code = f"from assistant.bench_startup import child; child({str(config_dir)!r})"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False, timeout=600
    )
    if done.returncode != 0:
        raise RuntimeError(f"start-up child failed: {done.stderr.strip()[-2000:]}")
    phases: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    phases["ready"] = round(sum(v for k, v in phases.items() if k != "import"), 1)
    return phases


def _files(cache_dir: Path) -> dict[str, set[str]]:
    names = [p.name for p in cache_dir.iterdir()] if cache_dir.is_dir() else []
    return {layer: {n for n in names if n.startswith(prefix)} for layer, prefix in LAYER_FILES.items()}


def _print_phases(runs: list[tuple[str, dict[str, float]]]) -> None:
    """One row per phase, one column per start."""
    print(f"{'phase':<22}" + "".join(f"{label:>30}" for label, _ in runs))
    for phase in runs[0][1]:
        print(f"{phase:<22}" + "".join(f"{phases.get(phase, 0.0):>27.1f} ms" for _, phases in runs))


def bench_startup(*, quick: bool = False, devices: int = 1000) -> None:
    """Cold start, warm restarts (median), and a restart after renaming one device."""
    warm_runs = 3 if quick else 5
    with tempfile.TemporaryDirectory(prefix="hearth-startup-") as tmp:
        home, cache = big_home(Path(tmp) / "home", devices), Path(tmp) / "cache"
        print(f"\nStart-up of a {devices}-device home (each a fresh interpreter; ready: after the imports)")
        draw = progress_bar("start-up") if sys.stderr.isatty() else None
        total = warm_runs + 2

        def start() -> dict[str, float]:
            phases = _start(home, cache)
            runs.append(phases)
            if draw is not None:
                draw(len(runs), total)
            return phases

        runs: list[dict[str, float]] = []
        cold = start()
        warm_samples = [start() for _ in range(warm_runs)]
        warm = {k: round(statistics.median(s[k] for s in warm_samples), 1) for k in warm_samples[0]}
        before = _files(cache)
        rename_device(home, *RENAMED)
        renamed = start()
        after = _files(cache)
        _print_phases(
            [
                ("cold (empty cache)", cold),
                (f"warm (median of {warm_runs})", warm),
                (f"after renaming {RENAMED[0]}", renamed),
            ]
        )
        verdict = "holds" if warm["ready"] <= 500 else "does NOT hold"
        print(f"target: warm restart ready ≤ 500 ms: {verdict} ({warm['ready']:.0f} ms)")
        print("what renaming one device rebuilt:")
        for layer in LAYER_FILES:
            rebuilt = bool(after[layer] - before[layer])
            print(f"  {layer:<20} {'rebuilt' if rebuilt else 'reused from disk'}")


if __name__ == "__main__":
    bench_startup(quick="--quick" in sys.argv)
