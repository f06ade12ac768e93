"""Speech data for tests and benchmarks: the recorded clips, wav reading, and synthesised commands."""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import subprocess
import wave
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .asr import SAMPLE_RATE
from .audio import AudioFormat

MANIFEST = "MANIFEST.tsv"
_COLUMNS = ("file", "transcript", "language", "sample_rate_hz", "channels")
# Debian packages of the tools `synthesize` runs.
PACKAGES = {"espeak-ng": "espeak-ng", "sox": "sox"}


class CorpusError(ValueError):
    """A manifest, wav or command list that cannot be read as expected."""


class SpeechToolMissing(RuntimeError):
    """A program needed to synthesise speech is not installed; `package` is the Debian package with it."""

    def __init__(self, program: str) -> None:
        self.program = program
        self.package = PACKAGES.get(program, program)
        super().__init__(f"{program} is not installed: install the Debian package {self.package}")


@dataclass(frozen=True, slots=True)
class Clip:
    """One recording and what is said in it."""

    path: Path
    transcript: str
    language: str
    rate: int
    channels: int
    source: str  # the collection: the manifest path's first folder, e.g. speech-to-phrase
    duration_s: float = 0.0


@dataclass(frozen=True, slots=True)
class SynthCommand:
    """A command to synthesise and what it should do, in the intent suites' `expect` format."""

    text: str
    expect: Mapping[str, Any]
    area: str | None = None  # the client's area, for commands that depend on it

    @property
    def intent(self) -> str:
        """The expected intent."""
        return str(self.expect["intent"])

    @property
    def targets(self) -> tuple[str, ...]:
        """The expected device ids (empty when the intent has none)."""
        return tuple(self.expect.get("targets") or ())

    @property
    def slots(self) -> Mapping[str, Any]:
        """The expected slot values."""
        return dict(self.expect.get("slots") or {})


def load_manifest(folder: Path, language: str | None = "en") -> list[Clip]:
    """The clips listed in `folder`/MANIFEST.tsv (of one language, or all with None), in manifest order."""
    path = Path(folder) / MANIFEST
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    except OSError as err:
        raise CorpusError(f"cannot read {path}: {err}") from err
    missing = [c for c in _COLUMNS if rows and c not in rows[0]]
    if missing:
        raise CorpusError(f"{path}: missing column(s) {', '.join(missing)}")
    clips = []
    for line, row in enumerate(rows, start=2):
        if language is not None and row["language"] != language:
            continue
        try:
            clips.append(
                Clip(
                    path=Path(folder) / row["file"],
                    transcript=row["transcript"],
                    language=row["language"],
                    rate=int(row["sample_rate_hz"]),
                    channels=int(row["channels"]),
                    source=row["file"].split("/", 1)[0],
                    duration_s=float(row.get("duration_s") or 0.0),
                )
            )
        except (TypeError, ValueError) as err:
            raise CorpusError(f"{path}, line {line}: {err}") from err
    return clips


def read_wav(path: Path) -> tuple[AudioFormat, bytes]:
    """The format and raw PCM16 frames of a wav file."""
    try:
        with wave.open(str(path), "rb") as handle:
            width, rate, channels = handle.getsampwidth(), handle.getframerate(), handle.getnchannels()
            frames = handle.readframes(handle.getnframes())
    except (OSError, EOFError, wave.Error) as err:
        raise CorpusError(f"{path}: not a readable PCM wav file ({err})") from err
    if width != 2:
        raise CorpusError(f"{path}: {8 * width}-bit samples; only 16-bit PCM is supported")
    return AudioFormat(rate, width, channels), frames


def synthesize(
    text: str,
    *,
    voice: str = "en-us",
    speed: int = 140,
    pad_s: float = 0.3,
    cache_dir: Path | None = None,
) -> bytes:
    """`text` spoken by espeak-ng as 16 kHz mono PCM16, with `pad_s` of digital silence on both sides."""
    cached = None
    if cache_dir is not None:
        key = hashlib.sha256(repr(("v1", text, voice, speed, pad_s)).encode()).hexdigest()[:32]
        cached = Path(cache_dir) / f"{key}.pcm"
        if cached.is_file():
            return cached.read_bytes()
    for program in PACKAGES:
        if shutil.which(program) is None:
            raise SpeechToolMissing(program)
    speech = _run(["espeak-ng", "-v", voice, "-s", str(speed), "--stdout"], text.encode())
    # -D: no dither, so the padding is true digital silence (engines and the VAD see a clean lead-in).
    sox = ["sox", "-D", "-t", "wav", "-", "-t", "raw", "-e", "signed-integer", "-b", "16", "-L"]
    sox += ["-r", str(SAMPLE_RATE), "-c", "1", "-", "pad", str(pad_s), str(pad_s)]
    pcm = _run(sox, speech)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
        partial.write_bytes(pcm)
        partial.replace(cached)  # atomic: a parallel test run never reads half a file
    return pcm


def _run(command: list[str], stdin: bytes) -> bytes:
    # The text goes in on stdin, so words starting with "-" cannot be taken for options.
    done = subprocess.run(command, input=stdin, capture_output=True, check=False, timeout=60)
    if done.returncode != 0 or not done.stdout:
        detail = done.stderr.decode(errors="replace").strip() or f"exit status {done.returncode}"
        raise CorpusError(f"{command[0]} failed: {detail}")
    return done.stdout


def _section(path: Path, key: str) -> Any:
    """One top-level key of a YAML list file (None when the file is no mapping or lacks it)."""
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise CorpusError(f"cannot read {path}: {err}") from err
    return document.get(key) if isinstance(document, dict) else None


def load_synth_set(path: Path) -> list[SynthCommand]:
    """The commands of a synthesis list (`commands:` of {text, expect, area?})."""
    entries = _section(path, "commands")
    if not isinstance(entries, list):
        raise CorpusError(f"{path}: expected a list under `commands:`")
    commands = []
    for number, entry in enumerate(entries, start=1):
        if not (isinstance(entry, dict) and isinstance(entry.get("expect"), dict) and entry.get("text")):
            raise CorpusError(f"{path}: command {number} needs `text` and an `expect` with an intent")
        if "intent" not in entry["expect"]:
            raise CorpusError(f"{path}: command {number} ({entry['text']!r}) has no expected intent")
        commands.append(SynthCommand(str(entry["text"]), entry["expect"], entry.get("area")))
    return commands


def load_sentences(path: Path) -> list[str]:
    """The sentences of a plain synthesis list (`sentences:`, e.g. what a home has no command for)."""
    entries = _section(path, "sentences")
    if not isinstance(entries, list) or not all(isinstance(e, str) and e.strip() for e in entries):
        raise CorpusError(f"{path}: expected a list of sentences under `sentences:`")
    return [str(e) for e in entries]
