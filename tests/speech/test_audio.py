"""Client audio formats: validation, and streaming conversion to 16 kHz mono PCM16."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from assistant.speech.audio import AudioFormat, AudioFormatError, PcmConverter, parse_audio_format
from assistant.speech.corpus import Clip, read_wav

RATES = [8000, 11025, 22050, 32000, 44100, 48000, 44101]  # 44101: an odd rate, no small ratio to 16 kHz


def tone(freq: float, rate: int, seconds: float, amplitude: float = 8000.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return amplitude * np.sin(2 * np.pi * freq * t)


def pcm(samples: np.ndarray, channels: int = 1) -> bytes:
    ints = np.rint(samples).astype("<i2")
    return np.repeat(ints, channels).tobytes() if channels == 2 else ints.tobytes()


def convert_all(fmt: AudioFormat, data: bytes) -> np.ndarray:
    converter = PcmConverter(fmt)
    return np.frombuffer(converter.convert(data) + converter.flush(), "<i2").astype(float)


def convert_chunked(fmt: AudioFormat, data: bytes, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    converter = PcmConverter(fmt)
    out, start = [], 0
    while start < len(data):
        size = int(rng.integers(1, 3000))  # odd sizes too: chunks split samples and stereo frames
        out.append(converter.convert(data[start : start + size]))
        start += size
    out.append(converter.flush())
    return np.frombuffer(b"".join(out), "<i2").astype(float)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x**2)))


# --- parse_audio_format ---


def test_defaults_are_16k_mono_pcm16() -> None:
    assert parse_audio_format({}) == AudioFormat(16000, 2, 1)
    assert parse_audio_format({"rate": 44100, "channels": 2}) == AudioFormat(44100, 2, 2)
    assert parse_audio_format({"rate": 16000, "width": 2, "channels": 1}).is_native


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"rate": 7999}, "8000..48000"),
        ({"rate": 96000}, "8000..48000"),
        ({"rate": 16000.0}, "whole number"),
        ({"rate": "16000"}, "whole number"),
        ({"rate": True}, "whole number"),
        ({"width": 1}, "16-bit"),
        ({"width": 4}, "16-bit"),
        ({"channels": 0}, "mono or stereo"),
        ({"channels": 6}, "mono or stereo"),
        ({"channels": True}, "whole number"),
        ({"format": "opus"}, "unknown audio key(s) format"),
        ({"rate": None}, "whole number"),
    ],
)
def test_formats_the_hub_cannot_take_are_clear_errors(spec: dict[str, Any], words: str) -> None:
    with pytest.raises(AudioFormatError) as caught:
        parse_audio_format(spec)
    assert caught.value.code == "audio-format"
    assert words in caught.value.message


def test_a_format_that_is_not_an_object_is_an_error() -> None:
    with pytest.raises(AudioFormatError):
        parse_audio_format([16000, 2, 1])  # type: ignore[arg-type]


# --- PcmConverter ---


def test_native_audio_passes_straight_through() -> None:
    data = pcm(tone(440, 16000, 0.1))
    converter = PcmConverter(AudioFormat())
    assert converter.convert(data) is data  # no copy on the common path
    assert converter.convert(data[:5]) == data[:4]  # half a sample waits for the rest
    assert converter.convert(data[5:9]) == data[4:8]
    assert converter.flush() == b""


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("channels", [1, 2])
def test_chunking_does_not_change_the_output(rate: int, channels: int) -> None:
    fmt = AudioFormat(rate, 2, channels)
    data = pcm(tone(440, rate, 1.0), channels)
    whole = convert_all(fmt, data)
    assert np.array_equal(whole, convert_chunked(fmt, data, seed=rate + channels))
    assert abs(len(whole) - 16000) <= 1  # one second in, one second out


@pytest.mark.parametrize("rate", RATES)
def test_a_tone_survives_resampling(rate: int) -> None:
    out = convert_all(AudioFormat(rate, 2, 1), pcm(tone(1000, rate, 0.5)))
    expected = tone(1000, 16000, len(out) / 16000)[: len(out)]
    inner = slice(100, -100)  # the filter's edges meet the zeros around the stream
    assert np.abs(out[inner] - expected[inner]).max() < 4  # in time, in phase, in level


@pytest.mark.parametrize(("rate", "freq"), [(44100, 12000), (48000, 9000), (22050, 10000), (32000, 8500)])
def test_tones_above_8_khz_do_not_fold_back(rate: int, freq: float) -> None:
    out = convert_all(AudioFormat(rate, 2, 1), pcm(tone(freq, rate, 0.5, amplitude=16000)))
    assert rms(out[100:-100]) < 16000 / np.sqrt(2) * 1e-3  # at least 60 dB down


def test_stereo_is_averaged() -> None:
    left, right = tone(440, 16000, 0.1), tone(440, 16000, 0.1, amplitude=2000)
    frames = np.stack([left, np.rint(right)], axis=1).reshape(-1)
    out = convert_all(AudioFormat(16000, 2, 2), np.rint(frames).astype("<i2").tobytes())
    assert np.abs(out - np.rint((np.rint(left) + np.rint(right)) / 2)).max() <= 1
    opposite = np.stack([left, -left], axis=1).reshape(-1)
    assert not convert_all(AudioFormat(16000, 2, 2), np.rint(opposite).astype("<i2").tobytes()).any()


def test_loud_input_is_clipped_not_wrapped() -> None:
    square = np.where(np.arange(4410) % 100 < 50, 32767, -32768).astype(float)
    out = convert_all(AudioFormat(44100, 2, 1), pcm(square))
    assert out.max() == 32767 and out.min() == -32768  # Gibbs overshoot saturates
    assert rms(out) > 20000


def test_memory_stays_bounded_over_a_long_stream() -> None:
    converter = PcmConverter(AudioFormat(44100, 2, 2))
    chunk = pcm(tone(440, 44100, 0.02), 2)
    for _ in range(500):  # ten seconds
        converter.convert(chunk)
    resampler = converter._resampler
    assert resampler is not None
    assert len(resampler._buffer) < 200  # about one filter length


def test_flush_starts_afresh() -> None:
    fmt = AudioFormat(8000, 2, 1)
    data = pcm(tone(300, 8000, 0.25))
    converter = PcmConverter(fmt)
    first = converter.convert(data) + converter.flush()
    second = converter.convert(data) + converter.flush()
    assert first == second and len(first) == 2 * 4000


def test_real_44k_stereo_clip_has_the_duration_of_the_original(english_clips: list[Clip]) -> None:
    clip = next(c for c in english_clips if c.rate == 44100 and c.channels == 2)
    fmt, data = read_wav(clip.path)
    frames = len(data) // fmt.frame_bytes
    out = convert_chunked(fmt, data, seed=1)
    assert abs(len(out) - frames * 16000 / 44100) <= 1
    assert rms(out) > 100  # speech, not silence
