"""The endpointing state machine, with scripted probabilities and with the real Silero VAD on real speech."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from assistant.speech.asr import VadSettings
from assistant.speech.audio import PcmConverter
from assistant.speech.corpus import Clip, read_wav
from assistant.speech.endpoint import (
    NoSpeech,
    Segment,
    Segmenter,
    SpeechAudio,
    SpeechEnded,
    SpeechStarted,
)
from assistant.speech.vad import FRAME_BYTES, SileroVad

from .conftest import Synth

SETTINGS = VadSettings()  # threshold 0.5, trailing silence 600 ms, cap 15 s, no speech 8 s, early 200 ms
S, Q = 0.9, 0.05  # a speech frame, a quiet frame


class Scripted:
    """A stand-in for VadStream.process: the probability of each frame, from a script."""

    def __init__(self, probs: list[float]) -> None:
        self.probs = probs
        self.pending = 0
        self.done = 0
        self.calls = 0

    def __call__(self, pcm: bytes) -> list[float]:
        self.calls += 1
        self.pending += len(pcm)
        count, self.pending = divmod(self.pending, FRAME_BYTES)
        out = self.probs[self.done : self.done + count]
        self.done += count
        return out


def frames(count: int, first: int = 0) -> bytes:
    """Audio whose every sample is its frame's number, so tests can see which frames were handed on."""
    return np.repeat(np.arange(first, first + count, dtype="<i2"), FRAME_BYTES // 2).tobytes()


def frame_numbers(pcm: bytes) -> list[int]:
    samples = np.frombuffer(pcm, "<i2")
    return [int(x) for x in samples[:: FRAME_BYTES // 2]]


def run(probs: list[float], settings: VadSettings = SETTINGS, chunk: int = FRAME_BYTES) -> list[Segment]:
    segmenter = Segmenter(settings, Scripted(probs))
    audio = frames(len(probs))
    out: list[Segment] = []
    for start in range(0, len(audio), chunk):
        out += segmenter.feed(audio[start : start + chunk])
    return out


def events(segments: list[Segment]) -> list[Segment]:
    return [s for s in segments if not isinstance(s, SpeechAudio)]


def audio_of(segments: list[Segment]) -> bytes:
    return b"".join(s.pcm for s in segments if isinstance(s, SpeechAudio))


def test_an_utterance_with_pre_roll_and_trailing_silence() -> None:
    out = run([Q] * 20 + [S] * 30 + [Q] * 40)
    # 600 ms of trailing silence is 19 frames of 32 ms: the end comes after frame 30 + 20 + 19.
    assert events(out) == [SpeechStarted(20 * 32), SpeechEnded(69 * 32, "silence", 19 * 32)]
    # Pre-roll: ten frames (320 ms) before the start, then everything up to the end, trailing silence too.
    assert frame_numbers(audio_of(out)) == list(range(10, 69))


def test_clicks_do_not_start_speech() -> None:
    probs = [Q] * 10 + [S] + [Q] * 20 + [S, S] + [Q] * 20
    segmenter = Segmenter(SETTINGS, Scripted(probs))
    assert segmenter.feed(frames(len(probs))) == []
    assert not segmenter.started and segmenter.speech_ms == 0


def test_a_soft_first_word_is_not_cut_off() -> None:
    # "turn" scores one frame, then a short gap, then the rest: the start moves back to the first word.
    out = run([Q] * 30 + [0.6, 0.4] + [Q] * 7 + [S] * 20 + [Q] * 30)
    assert events(out)[0] == SpeechStarted(30 * 32)
    assert frame_numbers(audio_of(out))[0] == 20


def test_a_click_long_before_speech_does_not_move_the_start() -> None:
    out = run([Q] * 5 + [S] + [Q] * 20 + [S] * 10 + [Q] * 30)
    assert events(out)[0] == SpeechStarted(26 * 32)
    assert frame_numbers(audio_of(out))[0] == 16


def test_hysteresis_between_the_two_thresholds() -> None:
    # 0.4 is under the threshold but over threshold - 0.15: speech goes on through it...
    out = run([S] * 10 + [0.4] * 30 + [Q] * 30)
    assert events(out)[-1] == SpeechEnded(59 * 32, "silence", 19 * 32)
    # ...but once a pause has begun, 0.4 does not end it.
    out = run([S] * 10 + [Q] * 5 + [0.4] * 30)
    assert events(out)[-1] == SpeechEnded(29 * 32, "silence", 19 * 32)


@pytest.mark.parametrize(("profile", "frames_of_silence"), [("aggressive", 10), ("relaxed", 32)])
def test_trailing_silence_profiles(profile: str, frames_of_silence: int) -> None:
    out = run([S] * 10 + [Q] * 40, VadSettings(trailing_silence=profile))
    assert events(out)[-1] == SpeechEnded((10 + frames_of_silence) * 32, "silence", frames_of_silence * 32)


def test_short_pauses_inside_speech_do_not_end_it() -> None:
    out = run(([S] * 10 + [Q] * 15) * 3 + [Q] * 10)
    assert [type(e) for e in events(out)] == [SpeechStarted, SpeechEnded]
    assert events(out)[-1] == SpeechEnded((75 + 4) * 32, "silence", 19 * 32)


def test_the_hard_cap_ends_endless_speech() -> None:
    out = run([S] * 200, VadSettings(max_seconds=2.0))
    assert events(out) == [SpeechStarted(0), SpeechEnded(63 * 32, "max-length", 0)]  # 63 frames: 2016 ms
    assert len(audio_of(out)) == 63 * FRAME_BYTES


def test_silence_only_is_no_speech() -> None:
    segmenter = Segmenter(VadSettings(no_speech_seconds=1.0), Scripted([Q] * 100))
    out = segmenter.feed(frames(100))
    assert out == [NoSpeech(32 * 32)]  # the first frame at or past one second
    assert segmenter.ended and segmenter.end() == []


def test_early_end_after_a_complete_command() -> None:
    segmenter = Segmenter(SETTINGS, Scripted([S] * 10 + [Q] * 30))
    assert events(segmenter.feed(frames(10))) == [SpeechStarted(0)]
    segmenter.allow_early(True)
    out = segmenter.feed(frames(30, first=10))
    assert events(out) == [SpeechEnded(17 * 32, "early", 7 * 32)]  # 200 ms: 7 frames
    assert frame_numbers(audio_of(out)) == list(range(10, 17))


def test_early_end_is_withdrawn_and_cleared_when_speech_resumes() -> None:
    probs = [S] * 10 + [Q] * 4 + [S] * 5 + [Q] * 30
    segmenter = Segmenter(SETTINGS, Scripted(probs))
    segmenter.feed(frames(12))
    segmenter.allow_early(True)
    segmenter.feed(frames(7, first=12))  # the pause was too short, and then the speaker went on
    assert segmenter.silence_ms == 0 and segmenter.speech_ms == 19 * 32
    out = segmenter.feed(frames(30, first=19))
    assert events(out) == [SpeechEnded(38 * 32, "silence", 19 * 32)]  # the full window, not the early one
    segmenter = Segmenter(SETTINGS, Scripted([S] * 10 + [Q] * 30))
    segmenter.feed(frames(10))
    segmenter.allow_early(True)
    segmenter.allow_early(False)
    assert events(segmenter.feed(frames(30, first=10))) == [SpeechEnded(29 * 32, "silence", 19 * 32)]


def test_audio_end_during_speech_hands_over_the_last_partial_frame() -> None:
    segmenter = Segmenter(SETTINGS, Scripted([S] * 10))
    segmenter.feed(frames(10) + b"\1\0" * 100)
    out = segmenter.end()
    assert out == [SpeechAudio(b"\1\0" * 100), SpeechEnded(10 * 32 + 6, "audio-end", 0)]
    assert segmenter.end() == [] and segmenter.feed(frames(5)) == []


def test_audio_end_before_speech_is_no_speech() -> None:
    segmenter = Segmenter(SETTINGS, Scripted([Q] * 10))
    segmenter.feed(frames(10))
    assert segmenter.end() == [NoSpeech(320)]


def test_nothing_is_kept_or_classified_after_the_end() -> None:
    script = Scripted([S] * 10 + [Q] * 20 + [S] * 1000)
    segmenter = Segmenter(SETTINGS, script)
    segmenter.feed(frames(30))
    assert segmenter.ended
    calls = script.calls
    for _ in range(100):
        assert segmenter.feed(frames(10)) == []
    assert script.calls == calls  # the VAD is not run for audio nobody will use
    assert segmenter._unclassified == b"" and not segmenter._ring


def test_memory_before_speech_is_bounded() -> None:
    segmenter = Segmenter(VadSettings(no_speech_seconds=1e9), Scripted([Q] * 5000))
    for start in range(0, 5000, 50):
        segmenter.feed(frames(50, first=start % 1000))
    assert len(segmenter._ring) <= segmenter._ring.maxlen  # type: ignore[operator]
    assert sum(map(len, segmenter._ring)) < 64 * FRAME_BYTES


@pytest.mark.parametrize("chunk", [1, 7, 320, 999, FRAME_BYTES * 3 + 5])
def test_chunking_does_not_change_the_segments(chunk: int) -> None:
    probs = [Q] * 20 + [S] * 30 + [Q] * 5 + [S] * 10 + [Q] * 40
    reference = run(probs)
    out = run(probs, chunk=chunk)
    assert events(out) == events(reference)
    assert audio_of(out) == audio_of(reference)


def test_speech_and_silence_counters() -> None:
    segmenter = Segmenter(SETTINGS, Scripted([Q] * 5 + [S] * 10 + [Q] * 5))
    segmenter.feed(frames(15))
    assert segmenter.speech_ms == 10 * 32 and segmenter.silence_ms == 0
    segmenter.feed(frames(5))
    assert segmenter.speech_ms == 15 * 32 and segmenter.silence_ms == 5 * 32
    assert segmenter.offset_ms == 20 * 32


# --- with the real Silero VAD ---


def segment(probability: Callable[[bytes], list[float]], pcm: bytes) -> list[Segment]:
    segmenter = Segmenter(SETTINGS, probability)
    out: list[Segment] = []
    for start in range(0, len(pcm), 640):  # 20 ms chunks, as a satellite sends them
        out += segmenter.feed(pcm[start : start + 640])
    return out + segmenter.end()


@pytest.mark.parametrize("text", ["turn on the kitchen light", "set a timer for five minutes", "never mind"])
def test_synthesised_command_is_found_where_it_is(silero: SileroVad, synth: Synth, text: str) -> None:
    pcm = synth(text, pad_s=1.0)
    samples = np.abs(np.frombuffer(pcm, "<i2"))
    spoken = np.nonzero(samples > 50)[0]
    first_ms, last_ms = spoken[0] / 16, spoken[-1] / 16
    started, ended = events(segment(silero.stream().process, pcm))
    assert isinstance(started, SpeechStarted) and isinstance(ended, SpeechEnded)
    assert first_ms - 64 <= started.offset_ms <= first_ms + 128
    assert ended.reason == "silence"
    assert abs(ended.offset_ms - ended.silence_ms - last_ms) <= 128


def test_real_clips_are_found_whole(silero: SileroVad, english_clips: list[Clip]) -> None:
    """Every clip (44.1 kHz stereo ones through the converter) gives one utterance holding all its speech."""
    for clip in english_clips:
        fmt, data = read_wav(clip.path)
        converter = PcmConverter(fmt)
        pcm = converter.convert(data) + converter.flush() + bytes(32000)  # and a second of silence after
        probs = np.array(silero.stream().process(pcm))  # once: chunking does not change them (tested)
        out = segment(Scripted(list(probs)), pcm)
        started, ended = events(out)
        assert isinstance(started, SpeechStarted) and isinstance(ended, SpeechEnded), clip.path.name
        assert ended.reason == "silence", clip.path.name
        begin = max(0, started.offset_ms - 320)
        assert len(audio_of(out)) == (ended.offset_ms - begin) * 32, clip.path.name
        loud = np.nonzero(probs >= min(0.8, 0.9 * probs.max()))[0] * 32  # the surest speech of the clip
        if clip.source != "rhasspy-test":  # those say a wake word, pause for a second, then the command
            assert begin <= loud[0] and loud[-1] < ended.offset_ms - ended.silence_ms, clip.path.name
