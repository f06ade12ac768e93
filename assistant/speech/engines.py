"""Build the configured ASR engine and the speech-in stage for a home."""

from __future__ import annotations

from .asr import AsrEngine, AsrError, AsrSettings, HomeVocabulary
from .listen import Listener
from .vad import SileroVad


def build_engine(settings: AsrSettings, vocabulary: HomeVocabulary) -> AsrEngine | None:
    """The engine `asr.engine` names, loaded for this home (None for `none`); raises AsrError."""
    if settings.engine == "none":
        return None
    if settings.engine == "pocketsphinx":
        from .sphinx import SphinxEngine

        return SphinxEngine(settings, vocabulary)
    if settings.engine == "faster-whisper":
        from .whisper import WhisperEngine

        return WhisperEngine(settings, vocabulary)
    raise AsrError(
        "asr.engine", f"unknown engine {settings.engine!r}: use pocketsphinx, faster-whisper or none"
    )


def build_listener(settings: AsrSettings, vocabulary: HomeVocabulary) -> Listener | None:
    """The speech-in stage (VAD + engine) for a home, or None when speech input is off."""
    engine = build_engine(settings, vocabulary)
    if engine is None:
        return None
    return Listener(engine, SileroVad(), settings.vad, min_confidence=settings.floor(engine.min_confidence))
