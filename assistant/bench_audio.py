"""`hearth bench --only audio`: spoken commands through a real hub process, per engine.

The hub runs as its own process (`hearth serve --simulate`, managed Mosquitto) so the figures are what a
client sees: each clip is streamed over the WebSocket, and the time from its last audio frame to the
device command arriving on MQTT is taken with the same monotonic clock on both sides.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import yaml
from paho.mqtt.enums import CallbackAPIVersion
from websockets.asyncio.client import ClientConnection, connect

from .bench import progress
from .speech.corpus import load_manifest, load_sentences, load_synth_set, read_wav, synthesize

ROOT = Path(__file__).resolve().parents[1]
SPEECH = ROOT / "tests" / "data" / "speech"
FRAME_MS = 40


@dataclass(frozen=True, slots=True)
class AudioCase:
    """One utterance to stream: its audio as the client would send it and what was said."""

    name: str
    pcm: bytes
    transcript: str
    rate: int = 16000
    channels: int = 1
    area: str | None = None

    @property
    def seconds(self) -> float:
        """Length of the audio."""
        return len(self.pcm) / (2 * self.rate * self.channels)


@dataclass(slots=True)
class CaseResult:
    """What the hub made of one utterance."""

    case: AudioCase
    heard: str = ""
    intent: tuple[str, str] | None = None  # (name, slots as JSON) of the spoken run
    expected: tuple[str, str] | None = None  # the same for the typed transcript
    to_publish_ms: float | None = None  # last audio frame → device command on MQTT
    to_reply_ms: float | None = None  # last audio frame → reply event
    stt_ms: float = 0.0
    vad_end: str | None = None
    codes: list[str] = field(default_factory=list)
    acted: bool = False  # the spoken run carried out an action on a device
    # (device, command, payload) of every action of the spoken run, and of the typed transcript's run
    actions: tuple[tuple[str, str, str], ...] = ()
    expected_actions: tuple[tuple[str, str, str], ...] = ()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _home_copy(source: Path, target: Path, engine: str, model: Path | None) -> tuple[Path, int, int, str]:
    """A config folder copied onto free ports with the engine to measure: (folder, ws, mqtt, token)."""
    shutil.copytree(source, target)
    hearth = yaml.safe_load((target / "hearth.yaml").read_text())
    ws_port, mqtt_port = _free_port(), _free_port()
    hearth["hub"]["listen"] = f"127.0.0.1:{ws_port}"
    hearth["mqtt"] = {"broker": "managed", "managed_port": mqtt_port}
    asr = hearth.setdefault("asr", {})
    asr["engine"] = engine
    if model is not None:
        asr["model"] = str(model)
    (target / "hearth.yaml").write_text(yaml.safe_dump(hearth))
    return target, ws_port, mqtt_port, str(hearth["hub"]["clients"][0]["token"])


@contextmanager
def hub_process(folder: Path, ws_port: int) -> Iterator[subprocess.Popen[bytes]]:
    """`hearth serve --simulate` on a config folder, until the block ends."""
    command = [sys.executable, "-m", "assistant.cli", "serve", "--config", str(folder), "--simulate"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                error = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"the hub did not start: {error.strip()[-2000:]}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", ws_port)) == 0:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("the hub did not start within 120 s")
            time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def rss_mb(pid: int) -> tuple[float, float]:
    """Resident and peak resident memory of a process, in MB (Linux)."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


class CommandLog:
    """Arrival times (perf_counter) of device commands on the broker."""

    def __init__(self, port: int) -> None:
        self.arrivals: list[tuple[float, str]] = []
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-{os.getpid()}")
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        self.client.subscribe("#")
        self.client.loop_start()

    def _on_message(self, _client: Any, _userdata: Any, message: paho.MQTTMessage) -> None:
        topic = message.topic
        if topic.endswith("/set") or topic.startswith("cmnd/") or topic.endswith("/command"):
            self.arrivals.append((time.perf_counter(), topic))

    def first_after(self, moment: float) -> float | None:
        """The first command that arrived after `moment`."""
        later = [t for t, _ in self.arrivals if t >= moment]
        return min(later) if later else None

    def close(self) -> None:
        """Disconnect."""
        self.client.loop_stop()
        self.client.disconnect()


async def _session(url: str, token: str, area: str | None) -> ClientConnection:
    ws = await connect(url, max_size=None)
    hello: dict[str, Any] = {"type": "hello", "token": token}
    if area:
        hello["area"] = area
    await ws.send(json.dumps(hello))
    while json.loads(await ws.recv())["type"] != "welcome":
        pass
    return ws


async def _events_until_end(ws: ClientConnection, run_id: str) -> list[tuple[float, dict[str, Any]]]:
    events = []
    while True:
        event = json.loads(await asyncio.wait_for(ws.recv(), 60))
        events.append((time.perf_counter(), event))
        if event["type"] == "run-end" and event.get("id") == run_id:
            return events


def _actions(events: list[tuple[float, dict[str, Any]]]) -> tuple[tuple[str, str, str], ...]:
    """What a run did to devices, in a comparable form (the order of sending does not matter)."""
    done = {(e["device"], e["command"], str(e.get("payload"))) for _, e in events if e["type"] == "action"}
    return tuple(sorted(done))


def _intent(events: list[tuple[float, dict[str, Any]]]) -> tuple[str, str] | None:
    found = [e for _, e in events if e["type"] == "intent"]
    if not found:
        return None
    return found[0]["name"], json.dumps(found[0]["slots"], sort_keys=True)


async def stream_case(
    url: str, token: str, case: AudioCase, log: CommandLog, speed: float = 4.0
) -> CaseResult:
    """Stream one clip at `speed` times real time, then type its transcript in a new session to compare."""
    result = CaseResult(case)
    ws = await _session(url, token, case.area)
    try:
        audio = {"rate": case.rate, "width": 2, "channels": case.channels}
        await ws.send(json.dumps({"type": "run", "id": "a", "audio": audio}))
        step = case.rate * case.channels * 2 * FRAME_MS // 1000
        for offset in range(0, len(case.pcm), step):
            await ws.send(case.pcm[offset : offset + step])
            await asyncio.sleep(FRAME_MS / 1000 / speed)
        last_frame = time.perf_counter()
        await ws.send(json.dumps({"type": "audio-end", "id": "a"}))
        events = await _events_until_end(ws, "a")
    finally:
        await ws.close()
    for at, event in events:
        kind = event["type"]
        if kind == "transcript" and not event.get("partial"):
            result.heard = event["text"]
        elif kind == "reply" and result.to_reply_ms is None:
            result.to_reply_ms = max(0.0, (at - last_frame) * 1000)
        elif kind == "vad-end":
            result.vad_end = event.get("reason")
        elif kind == "error":
            result.codes.append(event["code"])
        elif kind == "run-end":
            result.stt_ms = float(event["timings"].get("stt", 0.0))
    result.intent = _intent(events)
    result.actions = _actions(events)
    result.acted = bool(result.actions)
    await asyncio.sleep(0.05)  # the simulator's confirmation and the MQTT log catch up
    published = log.first_after(last_frame)
    if published is not None and any(e["type"] == "action" for _, e in events):
        result.to_publish_ms = (published - last_frame) * 1000
    typed = await _session(url, token, case.area)
    try:
        await typed.send(json.dumps({"type": "run", "id": "t", "text": case.transcript}))
        typed_events = await _events_until_end(typed, "t")
        result.expected = _intent(typed_events)
        result.expected_actions = _actions(typed_events)
    finally:
        await typed.close()
    return result


def _words(text: str) -> list[str]:
    return re.sub(r"[^\w' ]+", " ", text.lower()).replace("'", "").split()


def word_errors(reference: str, heard: str) -> tuple[int, int]:
    """(edit distance in words, words in the reference)."""
    ref, hyp = _words(reference), _words(heard)
    row = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, other in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (word != other))
    return row[-1], len(ref)


def real_cases() -> list[AudioCase]:
    """The recorded English clips, sent in their own format (44.1 kHz stereo ones too)."""
    cases = []
    for clip in load_manifest(SPEECH, "en"):
        fmt, pcm = read_wav(clip.path)
        cases.append(AudioCase(clip.path.stem, pcm, clip.transcript, fmt.rate, fmt.channels))
    return cases


def synth_cases(cache: Path) -> list[AudioCase]:
    """The sample home's spoken commands, synthesised with espeak-ng."""
    commands = load_synth_set(SPEECH / "synth_en.yaml")
    return [
        AudioCase(c.text, synthesize(c.text, cache_dir=cache), c.text, area=c.area)
        for c in progress(commands, len(commands), "synthesising commands")
    ]


def none_cases(cache: Path) -> list[AudioCase]:
    """Sentences the sample home has no command for, synthesised like the commands."""
    sentences = load_sentences(SPEECH / "synth_none_en.yaml")
    return [
        AudioCase(s, synthesize(s, cache_dir=cache), s)
        for s in progress(sentences, len(sentences), "synthesising sentences for no command")
    ]


def summarize(label: str, results: list[CaseResult]) -> dict[str, Any]:
    """Accuracy and latency figures of one set."""
    errors = [word_errors(r.case.transcript, r.heard) for r in results]
    exact = sum(e == 0 for e, _ in errors)
    wer = sum(e for e, _ in errors) / max(1, sum(n for _, n in errors))
    graded = [r for r in results if r.expected is not None]
    intents = sum(r.intent == r.expected for r in graded)
    publish = [r.to_publish_ms for r in results if r.to_publish_ms is not None]
    reply = [r.to_reply_ms for r in results if r.to_reply_ms is not None]
    audio_s = sum(r.case.seconds for r in results)
    return {
        "set": label,
        "clips": len(results),
        "exact_sentences": exact,
        "wer": wer,
        "intent_ok": intents,
        "intent_graded": len(graded),
        "publish_p50": statistics.median(publish) if publish else None,
        "publish_n": len(publish),
        "reply_p50": statistics.median(reply) if reply else None,
        "rtf": sum(r.stt_ms for r in results) / 1000 / audio_s if audio_s else 0.0,
        "acted": [r.case.transcript for r in results if r.acted],
        # Acted, but not as the words said would have (typed in a new session): the figure that must stay 0.
        # Compared by what was done to which device: "the light" heard for "the lights" in a room with one
        # light does the same, though the intent's slots differ.
        "wrong": sum(r.acted and r.actions != r.expected_actions for r in results),
        "wrong_heard": [
            (r.case.transcript, r.heard) for r in results if r.acted and r.actions != r.expected_actions
        ],
    }


async def _run_set(
    url: str, token: str, cases: list[AudioCase], log: CommandLog, label: str
) -> list[CaseResult]:
    return [await stream_case(url, token, case, log) for case in progress(cases, len(cases), label)]


async def _concurrent(
    url: str, token: str, cases: list[AudioCase], sessions: int
) -> tuple[int, float, float]:
    """`sessions` clients streaming in real time at once: (answered, p50, p95 ms from last frame to reply)."""

    async def one(n: int) -> float | None:
        case = cases[n % len(cases)]
        await asyncio.sleep(n * 0.02)
        ws = await _session(url, token, case.area)
        try:
            await ws.send(json.dumps({"type": "run", "id": "c", "audio": {"rate": 16000}}))
            step = 32 * FRAME_MS
            for offset in range(0, len(case.pcm), step):
                await ws.send(case.pcm[offset : offset + step])
                await asyncio.sleep(FRAME_MS / 1000)
            last = time.perf_counter()
            await ws.send(json.dumps({"type": "audio-end", "id": "c"}))
            events = await _events_until_end(ws, "c")
        finally:
            await ws.close()
        heard = [e for _, e in events if e["type"] == "transcript" and not e.get("partial") and e["text"]]
        replies = [at for at, e in events if e["type"] == "reply"]
        return (replies[0] - last) * 1000 if heard and replies else None

    done = await asyncio.gather(*(one(n) for n in range(sessions)))
    latencies = sorted(d for d in done if d is not None)
    if not latencies:
        return 0, 0.0, 0.0
    p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
    return len(latencies), statistics.median(latencies), p95


def bench_audio(*, quick: bool = False, model: Path | None = None) -> int:
    """Stream the real clips and the synthesised sample-home commands through a hub process, per engine."""
    # faster-whisper needs a real model folder; without one only the embedded engine is measured.
    engines = ("pocketsphinx", "faster-whisper") if model is not None else ("pocketsphinx",)
    rows: list[dict[str, Any]] = []
    memory: list[tuple[str, float, float]] = []
    load: list[tuple[str, int, int, float, float]] = []
    with tempfile.TemporaryDirectory(prefix="hearth-bench-audio-") as tmp:
        cache = Path(tmp) / "synth"
        synth = synth_cases(cache)
        real = real_cases()
        unmeant = none_cases(cache)
        if quick:
            synth, real, unmeant = synth[:12], real[:12], unmeant[:12]
        for engine in engines:
            sets = (("real clips", SPEECH / "home", real), ("synthesised", ROOT / "config", synth))
            for label, source, cases in sets:
                target = Path(tmp) / f"{engine}-{label}"
                folder, ws_port, mqtt_port, token = _home_copy(source, target, engine, model)
                with hub_process(folder, ws_port) as process:
                    log = CommandLog(mqtt_port)
                    try:
                        url = f"ws://127.0.0.1:{ws_port}/ws"
                        results = asyncio.run(_run_set(url, token, cases, log, f"{engine}: {label}"))
                        rows.append({"engine": engine, **summarize(label, results)})
                        if label == "synthesised":
                            spoken = asyncio.run(_run_set(url, token, unmeant, log, f"{engine}: no command"))
                            rows.append({"engine": engine, **summarize("no command", spoken)})
                            sessions = 10 if quick else 50
                            finished, p50, p95 = asyncio.run(_concurrent(url, token, synth, sessions))
                            load.append((engine, sessions, finished, p50, p95))
                        memory.append((f"{engine}, {label}", *rss_mb(process.pid)))
                    finally:
                        log.close()
            if engine == "pocketsphinx":
                rows += _adapted_rows(Path(tmp), synth, unmeant, model)
    _print(rows, memory, load)
    return 0


def _adapted_rows(
    tmp: Path, synth: list[AudioCase], unmeant: list[AudioCase], model: Path | None
) -> list[dict[str, Any]]:
    """The synthesised sets again, through a hub adapted to the voice by `hearth adapt espeak`.

    The adaptation reads prompts of the home's grammar, never one of the measured sentences.
    """
    from .adapt_cli import DEFAULT_COUNT, build, home_prompts
    from .config import load_config
    from .speech.adapt import MODEL_NAME, Recording

    folder, ws_port, mqtt_port, token = _home_copy(ROOT / "config", tmp / "adapted", "pocketsphinx", model)
    config = load_config(folder)
    measured = [c.transcript for c in (*synth, *unmeant)]
    sentences = home_prompts(config, DEFAULT_COUNT, exclude=measured)
    voice = [
        Recording(synthesize(s, cache_dir=tmp / "synth"), s)
        for s in progress(sentences, len(sentences), "synthesising adaptation prompts")
    ]
    result = build(config, voice, folder / "voice" / MODEL_NAME)
    print(
        f"adapted to {result.recordings} synthesised prompts ({result.seconds_of_speech:.0f} s of speech) "
        f"in {result.elapsed_s:.1f} s"
    )
    hearth = yaml.safe_load((folder / "hearth.yaml").read_text())
    hearth["asr"]["model"] = f"voice/{MODEL_NAME}"
    (folder / "hearth.yaml").write_text(yaml.safe_dump(hearth))
    rows: list[dict[str, Any]] = []
    with hub_process(folder, ws_port):
        log = CommandLog(mqtt_port)
        try:
            url = f"ws://127.0.0.1:{ws_port}/ws"
            for label, cases in (("synth, adapted", synth), ("none, adapted", unmeant)):
                results = asyncio.run(_run_set(url, token, cases, log, f"pocketsphinx: {label}"))
                rows.append({"engine": "pocketsphinx", **summarize(label, results)})
        finally:
            log.close()
    return rows


def _fmt(value: float | None, unit: str = "ms") -> str:
    return "-" if value is None else f"{value:.0f} {unit}"


def _print(rows: list[dict[str, Any]], memory: list[tuple[str, float, float]], load: list[Any]) -> None:
    print()
    print("Speech in: per clip, streamed at 4x real time over the WebSocket (end of audio → MQTT publish)")
    print(
        f"{'engine':<14} {'set':<14} {'clips':>5} {'exact':>6} {'WER':>6} {'intent':>9} {'wrong':>6} "
        f"{'publish p50':>12} {'reply p50':>10} {'RTF':>6}"
    )
    for r in rows:
        intent = f"{r['intent_ok']}/{r['intent_graded']}"
        print(
            f"{r['engine']:<14} {r['set']:<14} {r['clips']:>5} {r['exact_sentences']:>6} {r['wer']:>6.1%} "
            f"{intent:>9} {r['wrong']:>6} {_fmt(r['publish_p50']):>12} {_fmt(r['reply_p50']):>10} "
            f"{r['rtf']:>6.3f}"
        )
    print("target: end of speech → MQTT publish ≤ 150 ms median; synthesised intent accuracy ≥ 95 %")
    for r in rows:
        if r["set"] in ("no command", "none, adapted"):
            acted = "; ".join(repr(text) for text in r["acted"]) or "none"
            print(
                f"{r['engine']} ({r['set']}): speech the home has no command for, acted on: "
                f"{len(r['acted'])} / {r['clips']} ({acted}; target 0)"
            )
    for r in rows:
        for said, heard in r["wrong_heard"] if r["set"] not in ("no command", "none, adapted") else ():
            print(f"{r['engine']} ({r['set']}): wrong action: said {said!r}, heard {heard!r}")
    for engine, sessions, finished, p50, p95 in load:
        print(
            f"{engine}: {sessions} sessions streaming in real time at once: {finished} answered, "
            f"end of audio → reply p50 {p50:.0f} ms, p95 {p95:.0f} ms"
        )
    for what, rss, peak in memory:
        print(f"hub memory ({what}): {rss:.0f} MB resident, {peak:.0f} MB peak (target ≤ 200 MB)")
