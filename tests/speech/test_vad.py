"""Silero VAD: loading, chunking-independent probabilities, and speech vs silence on real clips."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.speech.asr import AsrError
from assistant.speech.audio import PcmConverter
from assistant.speech.corpus import Clip, read_wav
from assistant.speech.vad import FRAME_BYTES, SileroVad, VadModelError, default_model_path

from .conftest import Synth


def clip_pcm(clip: Clip) -> bytes:
    fmt, data = read_wav(clip.path)
    converter = PcmConverter(fmt)
    return converter.convert(data) + converter.flush()


def test_the_model_ships_with_faster_whisper() -> None:
    assert default_model_path().is_file()


def test_a_missing_model_is_an_error_naming_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "silero.onnx"
    with pytest.raises(VadModelError) as caught:
        SileroVad(missing)
    assert str(missing) in str(caught.value)
    assert isinstance(caught.value, AsrError) and caught.value.key == "asr.vad"


def test_an_unreadable_model_is_an_error_naming_the_path(tmp_path: Path) -> None:
    broken = tmp_path / "silero.onnx"
    broken.write_bytes(b"not an onnx model")
    with pytest.raises(VadModelError, match=str(broken)):
        SileroVad(broken)


def test_one_probability_per_whole_frame(silero: SileroVad) -> None:
    stream = silero.stream()
    assert stream.process(b"\0" * (FRAME_BYTES - 1)) == []
    probs = stream.process(b"\0" * (FRAME_BYTES + 2))  # completes two frames, one byte left over
    assert len(probs) == 2 and all(0 <= p < 0.2 for p in probs)
    assert len(stream.process(b"\0" * (FRAME_BYTES - 2))) == 0
    assert len(stream.process(b"\0")) == 1


def test_chunking_does_not_change_the_probabilities(silero: SileroVad, english_clips: list[Clip]) -> None:
    pcm = clip_pcm(english_clips[0])
    whole = silero.stream().process(pcm)
    rng = np.random.default_rng(4)
    stream, chunked, start = silero.stream(), [], 0
    while start < len(pcm):
        size = int(rng.integers(1, 5000))
        chunked += stream.process(pcm[start : start + size])
        start += size
    assert len(whole) == len(chunked) == len(pcm) // FRAME_BYTES
    assert np.allclose(whole, chunked, atol=1e-5)


def test_streams_are_independent_and_reset_forgets(silero: SileroVad, english_clips: list[Clip]) -> None:
    pcm = clip_pcm(english_clips[1])
    first, second = silero.stream(), silero.stream()
    expected = first.process(pcm)
    second.process(clip_pcm(english_clips[2]))
    second.reset()
    assert np.allclose(second.process(pcm), expected, atol=1e-5)


def test_real_speech_scores_high_and_the_padding_low(silero: SileroVad, english_clips: list[Clip]) -> None:
    for clip in english_clips:
        pcm = clip_pcm(clip)
        probs = np.array(silero.stream().process(b"\0" * 16000 + pcm + b"\0" * 16000))  # 0.5 s each side
        lead, tail = probs[:15], probs[-15:]
        assert lead.max() < 0.2 and tail.max() < 0.2, clip.path.name
        # Even the shortest, quietest word ("nevermind" far from the microphone) has 160 ms of it.
        assert (probs >= 0.5).sum() >= 5 and probs.max() > 0.6, clip.path.name


def test_synthesised_speech_scores_high(silero: SileroVad, synth: Synth) -> None:
    probs = np.array(silero.stream().process(synth("turn on the kitchen light")))
    assert probs[:8].max() < 0.2  # the 0.3 s of digital silence
    assert (probs > 0.5).sum() * 32 > 600  # most of the ~1.2 s spoken
