"""Shared fixtures of the speech tests: the recorded clips, the Silero VAD, and synthesised commands."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Protocol

import pytest

from assistant.speech.corpus import PACKAGES, Clip, load_manifest, synthesize
from assistant.speech.vad import SileroVad
from tests.conftest import require

SPEECH_DIR = Path(__file__).resolve().parents[1] / "data" / "speech"


class Synth(Protocol):
    """What the `synth` fixture returns."""

    def __call__(self, text: str, *, voice: str = "en-us", speed: int = 140, pad_s: float = 0.3) -> bytes: ...


def require_speech_tools() -> None:
    """Fail in CI when espeak-ng or sox is missing (a broken image), skip on a developer machine."""
    missing = [
        f"{tool} (Debian package {package})" for tool, package in PACKAGES.items() if not shutil.which(tool)
    ]
    require(
        not missing, f"speech synthesis needs {', '.join(missing)}; run `make test` or apt-get install them"
    )


@pytest.fixture(scope="session")
def speech_dir() -> Path:
    """tests/data/speech: the recorded clips, MANIFEST.tsv and synth_en.yaml."""
    return SPEECH_DIR


@pytest.fixture(scope="session")
def english_clips(speech_dir: Path) -> list[Clip]:
    """Every English clip of the manifest, in manifest order."""
    return load_manifest(speech_dir, "en")


@pytest.fixture(scope="session")
def silero() -> SileroVad:
    """One Silero VAD model for the whole session."""
    return SileroVad()


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """`synth(text)`: `text` spoken by espeak-ng as padded 16 kHz mono PCM16, cached for the session."""
    require_speech_tools()
    cache = tmp_path_factory.mktemp("synth")

    def speak(text: str, *, voice: str = "en-us", speed: int = 140, pad_s: float = 0.3) -> bytes:
        return synthesize(text, voice=voice, speed=speed, pad_s=pad_s, cache_dir=cache)

    return speak
