"""Fixtures for the TTS tests: the tiny piper voice, and piper/espeak-ng required (failing under CI)."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from tests.conftest import require
from tests.tts.tiny_piper import build_voice


def require_piper() -> None:
    """Fail in CI when piper-tts is missing (the test extra installs it), skip on a developer machine."""
    require(
        importlib.util.find_spec("piper") is not None,
        "the piper tests need piper-tts: pip install -e '.[test]' (or run `make test`)",
    )


def require_espeak() -> None:
    """Fail in CI when espeak-ng is missing (a broken image), skip on a developer machine."""
    require(
        shutil.which("espeak-ng") is not None,
        "the espeak-ng tests need the Debian package espeak-ng: run `make test` or apt-get install it",
    )


@pytest.fixture(scope="session")
def tiny_voice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The .onnx path of a tiny piper-compatible voice built for this test session."""
    require_piper()
    return build_voice(tmp_path_factory.mktemp("voice"))


@pytest.fixture
def espeak() -> None:
    """Require espeak-ng."""
    require_espeak()
