"""Sans-I/O endpointing: speech probabilities per frame in, where the utterance starts and ends out."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from .asr import SAMPLE_RATE, SAMPLE_WIDTH, VadSettings

EndReason = Literal["silence", "early", "max-length", "audio-end"]

PRE_ROLL_MS = 300  # audio kept from before the speech start: engines need lead-in, and onsets are soft
START_FRAMES = 3  # consecutive speech frames (~100 ms) before speech counts as started: a click is not speech
NEGATIVE_MARGIN = 0.15  # speech continues down to threshold - this, as Silero's own segmenter does
# Once speech is confirmed, its start moves back over earlier speech frames separated by gaps shorter than
# this, up to LOOKBACK_MS: a soft first word ("turn" in "turn off ...") often scores only a frame or two.
ONSET_GAP_MS = 400
LOOKBACK_MS = 1000


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    """Speech began at this offset into the stream (ms)."""

    offset_ms: int


@dataclass(frozen=True, slots=True)
class SpeechAudio:
    """Audio of the utterance to hand to the ASR, in order (16 kHz mono PCM16)."""

    pcm: bytes


@dataclass(frozen=True, slots=True)
class SpeechEnded:
    """The utterance ended at `offset_ms` (the end of its audio), `silence_ms` of it trailing silence."""

    offset_ms: int
    reason: EndReason
    silence_ms: int = 0


@dataclass(frozen=True, slots=True)
class NoSpeech:
    """The stream ended, or ran `no_speech_seconds`, without any speech."""

    offset_ms: int


Segment = SpeechStarted | SpeechAudio | SpeechEnded | NoSpeech


class Segmenter:
    """Drives one utterance: feed it 16 kHz PCM16, act on the segments it returns.

    `probability` turns audio into one speech probability per `frame_ms` frame of it, keeping any unfinished
    frame for the next call (what `VadStream.process` does). Memory stays bounded: before speech only the
    pre-roll is kept, during speech audio is passed on at once, and after the end nothing is kept.
    """

    def __init__(
        self,
        settings: VadSettings,
        probability: Callable[[bytes], list[float]],
        frame_ms: int = 32,
        *,
        pre_roll_ms: int = PRE_ROLL_MS,
        start_frames: int = START_FRAMES,
    ) -> None:
        self.settings = settings
        self._probability = probability
        self.frame_ms = frame_ms
        self._frame_bytes = SAMPLE_RATE * frame_ms // 1000 * SAMPLE_WIDTH
        self._threshold = settings.threshold
        self._negative = max(settings.threshold - NEGATIVE_MARGIN, 0.01)
        self._start_frames = max(1, start_frames)
        self._pre_roll = -(-pre_roll_ms // frame_ms)
        self._onset_gap = -(-ONSET_GAP_MS // frame_ms)
        self._lookback = LOOKBACK_MS // frame_ms
        # Frames before speech: enough for the pre-roll in front of the furthest the start can move back.
        self._ring: deque[bytes] = deque(maxlen=self._pre_roll + self._lookback + self._start_frames)
        self._onset: int | None = None  # first speech frame of the current run of speech-like frames
        self._last_speech = -1  # index of the last frame at or above the threshold
        self._unclassified = b""  # audio the probability function has not yet given a frame's verdict on
        self._frames = 0  # frames classified so far
        self._run = 0  # consecutive speech frames while waiting for speech
        self._started_at: int | None = None  # frame index where speech started
        self._silence_frames = 0
        self._early = False
        self._ended = False

    @property
    def started(self) -> bool:
        """Whether speech has started."""
        return self._started_at is not None

    @property
    def ended(self) -> bool:
        """Whether the utterance is over (ended, no speech, or `end` called); later audio is dropped."""
        return self._ended

    @property
    def offset_ms(self) -> int:
        """How much audio has been classified (ms from the start of the stream)."""
        return self._frames * self.frame_ms

    @property
    def speech_ms(self) -> int:
        """Length of the utterance since speech started, pauses included (0 before)."""
        if self._started_at is None:
            return 0
        return (self._frames - self._started_at) * self.frame_ms

    @property
    def silence_ms(self) -> int:
        """The current run of silence after speech (0 while speaking or before speech)."""
        return self._silence_frames * self.frame_ms

    def allow_early(self, ok: bool) -> None:
        """Whether the transcript so far is a complete command, so a short silence may end the utterance.

        Checked from the next frame fed; cleared when speech resumes after a pause, so a verdict on words
        already superseded cannot cut off the ones that follow.
        """
        self._early = ok

    def feed(self, pcm16k: bytes) -> list[Segment]:
        """Classify more audio; the segments it completes, in order ([] once ended)."""
        if self._ended:
            return []
        probabilities = self._probability(pcm16k)
        data = self._unclassified + pcm16k if self._unclassified else pcm16k
        used = len(probabilities) * self._frame_bytes
        self._unclassified = data[used:]
        out: list[Segment] = []
        audio: list[bytes] = []
        for index, probability in enumerate(probabilities):
            frame = data[index * self._frame_bytes : (index + 1) * self._frame_bytes]
            self._frames += 1
            if self._started_at is None:
                self._waiting(frame, probability, out)
            else:
                audio.append(frame)
                self._speaking(probability, out, audio)
            if self._ended:
                self._unclassified = b""
                break
        if audio and not self._ended:
            out.append(SpeechAudio(b"".join(audio)))
        return out

    def end(self) -> list[Segment]:
        """The client has no more audio: end the utterance here (or report that there was no speech)."""
        if self._ended:
            return []
        self._ended = True
        if self._started_at is None:
            self._ring.clear()
            return [NoSpeech(self.offset_ms)]
        out: list[Segment] = []
        if self._unclassified:  # less than a frame: the engine should still hear it
            out.append(SpeechAudio(self._unclassified))
        extra_ms = len(self._unclassified) // SAMPLE_WIDTH * 1000 // SAMPLE_RATE
        self._unclassified = b""
        out.append(SpeechEnded(self.offset_ms + extra_ms, "audio-end", self.silence_ms))
        return out

    def _waiting(self, frame: bytes, probability: float, out: list[Segment]) -> None:
        self._ring.append(frame)
        index = self._frames - 1
        if probability >= self._threshold:
            if self._onset is None or index - self._last_speech > self._onset_gap:
                self._onset = index
            self._last_speech = index
            self._run += 1
        else:
            self._run = 0
        if self._run >= self._start_frames:
            onset = index if self._onset is None else self._onset  # never None here: this frame is speech
            self._started_at = max(onset, self._frames - self._run - self._lookback)
            out.append(SpeechStarted(self._started_at * self.frame_ms))
            keep = self._frames - max(0, self._started_at - self._pre_roll)
            out.append(SpeechAudio(b"".join(list(self._ring)[-keep:])))
            self._ring.clear()
        elif self.offset_ms >= self.settings.no_speech_seconds * 1000:
            self._ended = True
            self._ring.clear()
            out.append(NoSpeech(self.offset_ms))

    def _speaking(self, probability: float, out: list[Segment], audio: list[bytes]) -> None:
        if probability >= self._threshold:
            if self._silence_frames:
                self._early = False  # speech resumed: the words so far were not the whole command
            self._silence_frames = 0
        elif probability < self._negative or self._silence_frames:
            # Between the two thresholds a pause continues but does not begin (hysteresis).
            self._silence_frames += 1
        reason: EndReason | None = None
        if self.speech_ms >= self.settings.max_seconds * 1000:
            reason = "max-length"
        elif self.silence_ms >= self.settings.trailing_silence_ms:
            reason = "silence"
        elif self._early and self.silence_ms >= self.settings.early_silence_ms:
            reason = "early"
        if reason is not None:
            self._ended = True
            out.append(SpeechAudio(b"".join(audio)))
            audio.clear()
            out.append(SpeechEnded(self.offset_ms, reason, self.silence_ms))
