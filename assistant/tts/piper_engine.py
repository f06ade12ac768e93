"""piper-tts voices (an optional GPL-3.0 extra): one chunk per sentence, streamed as soon as it is ready."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .engine import PCM16, PIPER_VOICE_HINT, TtsError

if TYPE_CHECKING:
    from piper import PiperVoice

VOICE_KEY = "tts.voice"
REQUIRED_INPUTS = {"input", "input_lengths", "scales"}  # what piper feeds every voice model


def voice_files(path: Path | None) -> tuple[Path, Path]:
    """The .onnx voice and its .onnx.json config, or TtsError naming `tts.voice` and what to put there."""
    if path is None:
        raise TtsError(VOICE_KEY, f"not set; piper needs {PIPER_VOICE_HINT}")
    if not path.is_file():
        raise TtsError(VOICE_KEY, f"{str(path)!r} is not a file; piper needs {PIPER_VOICE_HINT}")
    config = path.with_name(path.name + ".json")
    if not config.is_file():
        raise TtsError(
            VOICE_KEY, f"{str(config)!r} is missing: a piper voice needs its .onnx.json beside the .onnx file"
        )
    return path, config


class PiperEngine:
    """A loaded piper voice speaking PCM16 at the voice's sample rate."""

    name = "piper"
    format = PCM16

    def __init__(self, voice: PiperVoice, voice_id: str, *, speed: float = 1.0) -> None:
        from piper import SynthesisConfig

        self.voice = voice
        self.voice_id = voice_id
        self.rate = int(voice.config.sample_rate)
        # A larger length scale is slower speech: dividing by the speed keeps the voice's own pacing at 1.0.
        self._syn = SynthesisConfig(length_scale=voice.config.length_scale / speed)

    @classmethod
    def load(cls, path: Path | None, *, speed: float = 1.0) -> PiperEngine:
        """Load a voice through piper's own loader and check it speaks; every failure as a TtsError."""
        model, config = voice_files(path)
        try:
            from piper import PiperVoice
        except ImportError as err:
            raise TtsError(
                "tts.engine",
                "piper-tts is not installed: pip install 'hearth[piper]' (GPL-3.0), or use engine: espeak-ng",
            ) from err
        try:
            voice = PiperVoice.load(model, config_path=config)
        except Exception as err:  # onnxruntime, JSON and key errors all mean the same: not a usable voice
            raise TtsError(
                VOICE_KEY,
                f"cannot load {str(model)!r} ({_explain(err, config)}); piper needs {PIPER_VOICE_HINT}",
            ) from err
        inputs = {i.name for i in voice.session.get_inputs()}
        if not inputs >= REQUIRED_INPUTS:
            missing = ", ".join(sorted(REQUIRED_INPUTS - inputs))
            raise TtsError(VOICE_KEY, f"{str(model)!r} is not a piper voice (no input {missing})")
        engine = cls(voice, _voice_id(model, config, speed), speed=speed)
        try:
            # Speaking once loads the phonemizer and warms onnxruntime: the first reply is not the slow one.
            next(engine.synthesize("Ready."), b"")
        except Exception as err:
            raise TtsError(VOICE_KEY, f"the piper voice {str(model)!r} cannot speak: {err}") from err
        return engine

    def synthesize(self, text: str) -> Iterator[bytes]:
        """Yield one PCM16 chunk per sentence, each as soon as piper has rendered it."""
        for chunk in self.voice.synthesize(text, syn_config=self._syn):
            yield chunk.audio_int16_bytes

    def close(self) -> None:
        """Nothing to release: the onnxruntime session goes with the object."""


def _explain(err: Exception, config: Path) -> str:
    """A load failure in words: a bare KeyError only names the missing key."""
    if isinstance(err, KeyError):
        return f"{config.name} lacks {err}"
    if isinstance(err, json.JSONDecodeError):
        return f"{config.name} is not JSON: {err}"
    return str(err) or type(err).__name__


def _voice_id(model: Path, config: Path, speed: float) -> str:
    """Changes whenever the voice file, its config or the speed does, so old cached audio is never served."""
    stat = model.stat()
    digest = hashlib.sha256(config.read_bytes()).hexdigest()[:12]
    settings = json.dumps([model.name, stat.st_size, stat.st_mtime_ns, digest, speed])
    return f"piper:{hashlib.sha256(settings.encode()).hexdigest()[:16]}"
