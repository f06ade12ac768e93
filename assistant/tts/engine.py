"""The small interface every TTS engine implements, its settings, start-up errors and the engine factory."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

TTS_ENGINES = ("piper", "espeak-ng", "none")
PCM16 = "pcm16"  # signed 16-bit little-endian mono samples at the engine's rate

# Where to get a piper voice, for messages that tell a user what to put in `tts.voice`.
PIPER_VOICE_HINT = (
    "the path of a piper voice file (.onnx) with its .onnx.json beside it, "
    "e.g. en_US-lessac-medium.onnx from huggingface.co/rhasspy/piper-voices"
)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True, slots=True)
class TtsSettings:
    """`tts:` in hearth.yaml: which engine speaks replies, with which voice, and how replies are cached."""

    engine: str = "none"  # piper | espeak-ng | none
    voice: str | None = None  # piper: absolute path of the .onnx voice; espeak-ng: a voice name (en-us)
    speed: float = 1.0  # 1.0 is the voice's natural pace
    cache_mb: int = 64  # on-disk budget of the reply audio cache (0 turns the cache off)
    prewarm: int = 32  # how many of the most frequent confirmations to render at start-up


class TtsError(Exception):
    """An engine cannot start or speak: `key` names the hearth.yaml setting to fix, the message says how."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        self.message = message
        super().__init__(f"{key}: {message}")


class TtsEngine(Protocol):
    """Text in, PCM16 chunks out, one chunk (or more) per sentence as soon as it is ready."""

    name: str
    voice_id: str  # identifies the voice and its settings: part of every cache key
    rate: int
    format: str

    def synthesize(self, text: str) -> Iterator[bytes]:
        """Yield the reply's audio as PCM16 chunks, the first before the last sentence is synthesised."""
        ...

    def close(self) -> None:
        """Release the engine's resources."""
        ...


def split_sentences(text: str) -> list[str]:
    """The sentences of a reply, so engines can speak the first while the rest are still being rendered."""
    return [s for s in (part.strip() for part in _SENTENCE_END.split(text)) if s]


def build_engine(settings: TtsSettings) -> TtsEngine | None:
    """The engine `tts.engine` names, loaded and checked (None for `none`); raises TtsError."""
    if settings.engine == "none":
        return None
    if settings.engine == "piper":
        from .piper_engine import PiperEngine

        return PiperEngine.load(Path(settings.voice) if settings.voice else None, speed=settings.speed)
    if settings.engine == "espeak-ng":
        from .espeak import EspeakEngine

        return EspeakEngine(settings.voice or "en-us", speed=settings.speed)
    raise TtsError("tts.engine", f"unknown engine {settings.engine!r}: use {', '.join(TTS_ENGINES)}")
