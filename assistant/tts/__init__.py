"""Speech out: TTS engines (piper, espeak-ng) behind one streaming interface, the reply cache, hub glue."""

from .engine import PCM16, TTS_ENGINES, TtsEngine, TtsError, TtsSettings, build_engine, split_sentences

__all__ = ["PCM16", "TTS_ENGINES", "TtsEngine", "TtsError", "TtsSettings", "build_engine", "split_sentences"]
