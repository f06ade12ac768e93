"""Client audio formats and their streaming conversion to the 16 kHz mono PCM16 every engine is fed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from math import gcd
from typing import Any

import numpy as np
import numpy.typing as npt

from .asr import SAMPLE_RATE, SAMPLE_WIDTH

MIN_RATE = 8_000
MAX_RATE = 48_000
_KEYS = ("rate", "width", "channels")

# Resampling filter: a Kaiser-windowed sinc with this many zero crossings on each side of its centre. With
# beta 8 the stopband is ~80 dB down; the cutoff is placed so that the transition band ends at the output's
# Nyquist frequency, so nothing folds back into the band (speech above ~6.5 kHz matters little to ASR).
_ZERO_CROSSINGS = 16
_KAISER_BETA = 8.0
_CUTOFF = 0.86  # of the lower Nyquist frequency: the -6 dB point of the filter
# Up to this many distinct filter phases (16000 / gcd(rate, 16000)) are tabulated exactly; odd rates, which
# would need up to 16000 of them, interpolate linearly between this many (an error far below 16-bit noise).
_MAX_TABLE_PHASES = 1024

Samples = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class AudioFormat:
    """Raw PCM as a client sends it: samples per second, bytes per sample, interleaved channels."""

    rate: int = SAMPLE_RATE
    width: int = SAMPLE_WIDTH
    channels: int = 1

    @property
    def frame_bytes(self) -> int:
        """Bytes of one sample of every channel."""
        return self.width * self.channels

    @property
    def is_native(self) -> bool:
        """Whether this is already what the engines take (16 kHz mono PCM16)."""
        return (self.rate, self.width, self.channels) == (SAMPLE_RATE, SAMPLE_WIDTH, 1)


NATIVE = AudioFormat()


class AudioFormatError(ValueError):
    """An `audio` format the hub cannot take; `code` is the wire error code."""

    code = "audio-format"

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def parse_audio_format(spec: Mapping[str, Any]) -> AudioFormat:
    """The format of a `run` frame's `audio` object; missing keys mean 16000 Hz, 2 bytes, 1 channel."""
    if not isinstance(spec, Mapping):
        raise AudioFormatError(f"audio must be an object like {{'rate': 16000, 'width': 2}}, not {spec!r}")
    unknown = sorted(str(k) for k in spec if k not in _KEYS)
    if unknown:
        raise AudioFormatError(f"unknown audio key(s) {', '.join(unknown)}; expected rate, width, channels")
    rate = _whole(spec, "rate", SAMPLE_RATE)
    width = _whole(spec, "width", SAMPLE_WIDTH)
    channels = _whole(spec, "channels", 1)
    if not MIN_RATE <= rate <= MAX_RATE:
        raise AudioFormatError(f"audio rate {rate} Hz is not supported; send {MIN_RATE}..{MAX_RATE} Hz")
    if width != SAMPLE_WIDTH:
        raise AudioFormatError(
            f"audio width {width} is not supported; send 16-bit little-endian PCM (width 2)"
        )
    if channels not in (1, 2):
        raise AudioFormatError(f"audio with {channels} channels is not supported; send mono or stereo")
    return AudioFormat(rate, width, channels)


def _whole(spec: Mapping[str, Any], key: str, default: int) -> int:
    value = spec.get(key, default)
    # bool is an int subclass: `true` must not pass as 1 channel.
    if isinstance(value, bool) or not isinstance(value, int):
        raise AudioFormatError(f"audio {key} must be a whole number, not {value!r}")
    return value


class PcmConverter:
    """Streams any accepted format to 16 kHz mono PCM16: downmix by averaging, band-limited resampling.

    Chunks may split anywhere, even inside a sample; the output is the same however the input is chunked.
    State is the unfinished sample bytes plus about one filter length of input, whatever the stream length.
    """

    def __init__(self, fmt: AudioFormat) -> None:
        if fmt.width != SAMPLE_WIDTH:
            raise AudioFormatError(f"audio width {fmt.width} is not supported; send 16-bit PCM (width 2)")
        self.format = fmt
        self._carry = b""
        self._resampler = None if fmt.rate == SAMPLE_RATE else _Resampler(fmt.rate, SAMPLE_RATE)

    def convert(self, data: bytes) -> bytes:
        """Convert the next chunk; bytes of an unfinished sample are kept for the next call."""
        fmt = self.format
        if self._carry:
            data = self._carry + data
        usable = len(data) - len(data) % fmt.frame_bytes
        self._carry = data[usable:]
        if fmt.is_native:
            return data if usable == len(data) else data[:usable]
        if usable == 0:
            return b""
        pcm = np.frombuffer(data, dtype="<i2", count=usable // 2)
        if fmt.channels == 2:
            mono = pcm.reshape(-1, 2).astype(np.float32).mean(axis=1)
        else:
            mono = pcm.astype(np.float32)
        if self._resampler is not None:
            mono = self._resampler.process(mono)
        return _to_pcm16(mono)

    def flush(self) -> bytes:
        """The audio still inside the filter (the stream has ended); the converter starts afresh after."""
        self._carry = b""  # half a sample cannot be played
        if self._resampler is None:
            return b""
        tail = self._resampler.flush()
        self._resampler = _Resampler(self.format.rate, SAMPLE_RATE)
        return _to_pcm16(tail)


def _to_pcm16(samples: Samples) -> bytes:
    return np.clip(np.rint(samples), -32768, 32767).astype("<i2").tobytes()


class _Resampler:
    """Windowed-sinc resampling by any rational ratio, sample-exact across chunk boundaries.

    Output sample n sits at input time n * rate_in / rate_out. Positions are kept as integers in units of
    1 / rate_out input samples, so there is no drift however long the stream runs.
    """

    def __init__(self, rate_in: int, rate_out: int) -> None:
        self.rate_in = rate_in
        self.rate_out = rate_out
        # Cutoff in cycles per input sample: below the lower of the two Nyquist frequencies.
        self._fc = _CUTOFF * 0.5 * min(rate_in, rate_out) / rate_in
        self._half = int(np.ceil(_ZERO_CROSSINGS / (2 * self._fc)))  # taps each side of the centre
        self._step = gcd(rate_in, rate_out)  # every position is a multiple of it
        phases = rate_out // self._step
        self._exact = phases <= _MAX_TABLE_PHASES
        grid = phases if self._exact else _MAX_TABLE_PHASES
        # One row per phase; the inexact table has an extra row at fraction 1 to interpolate towards.
        self._table = self._taps(np.arange(grid + (0 if self._exact else 1)) / grid)
        # Input history; _buffer[0] is input sample _first. It starts with the zeros before the stream.
        self._buffer = np.zeros(self._half - 1, dtype=np.float32)
        self._position = (self._half - 1) * rate_out  # of the next output, relative to _buffer[0]
        self._inputs = 0
        self._outputs = 0

    def _taps(self, fractions: npt.NDArray[np.float64]) -> Samples:
        """Filter taps (one row per fractional position 0 <= f < 1), each row normalised to unit gain."""
        offsets = np.arange(1 - self._half, self._half + 1)[None, :] - fractions[:, None]
        window = np.i0(_KAISER_BETA * np.sqrt(np.clip(1 - (offsets / self._half) ** 2, 0, None)))
        taps = np.sinc(2 * self._fc * offsets) * window
        # Unit DC gain per phase: no ripple at the output rate from the phases' slightly different sums.
        return np.asarray(taps / taps.sum(axis=1, keepdims=True), dtype=np.float32)

    def process(self, samples: Samples) -> Samples:
        """Resample the next input samples; outputs whose filter reaches past the input wait for more."""
        self._inputs += len(samples)
        self._buffer = np.concatenate((self._buffer, samples))
        return self._emit(None)

    def flush(self) -> Samples:
        """Outputs up to the end of the input (the stream's duration times the ratio), zeros after it."""
        self._buffer = np.concatenate((self._buffer, np.zeros(self._half + 1, dtype=np.float32)))
        expected = -(-self._inputs * self.rate_out // self.rate_in)
        return self._emit(expected - self._outputs)

    def _emit(self, limit: int | None) -> Samples:
        out_rate, in_rate = self.rate_out, self.rate_in
        # Output k can be made once its last tap, centre + half, is inside the buffer.
        ready = ((len(self._buffer) - self._half) * out_rate - self._position + in_rate - 1) // in_rate
        count = max(0, ready if limit is None else min(ready, limit))
        if count == 0:
            return np.zeros(0, dtype=np.float32)
        positions = self._position + np.arange(count, dtype=np.int64) * in_rate
        centres, remainders = np.divmod(positions, out_rate)
        if self._exact:
            taps = self._table[remainders // self._step]
        else:
            where = remainders * (_MAX_TABLE_PHASES / out_rate)
            below = where.astype(np.int64)
            weight = (where - below).astype(np.float32)[:, None]
            taps = self._table[below] * (1 - weight) + self._table[below + 1] * weight
        windows = np.lib.stride_tricks.sliding_window_view(self._buffer, 2 * self._half)
        out = np.einsum("ij,ij->i", windows[centres - self._half + 1], taps)
        self._outputs += count
        self._position += count * in_rate
        # Keep only what later outputs can still reach: bounded by the filter length.
        drop = max(0, min(self._position // out_rate - self._half + 1, len(self._buffer)))
        self._buffer = self._buffer[drop:]
        self._position -= drop * out_rate
        return np.asarray(out, dtype=np.float32)
