"""The small interface every ASR engine implements, its settings, results and start-up errors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from intents.document import IntentData
from intents.model import AreaName, EntityName

SAMPLE_RATE = 16_000  # every engine is fed 16 kHz mono PCM16; the hub converts other formats first
SAMPLE_WIDTH = 2

# Trailing silence (ms) that ends an utterance, by `asr.vad.trailing_silence` profile.
TRAILING_SILENCE_MS = {"aggressive": 300, "default": 600, "relaxed": 1000}


@dataclass(frozen=True, slots=True)
class VadSettings:
    """How the hub decides where speech starts and stops."""

    threshold: float = 0.5  # Silero speech probability above which a frame is speech
    trailing_silence: str = "default"  # aggressive | default | relaxed
    max_seconds: float = 15.0  # an utterance is cut (with an event) once this long
    no_speech_seconds: float = 8.0  # audio without any speech for this long ends the run with stt-no-text
    early_silence_ms: int = 200  # silence after a complete, unambiguous command that is enough to act

    @property
    def trailing_silence_ms(self) -> int:
        """The trailing-silence window of the chosen profile."""
        return TRAILING_SILENCE_MS[self.trailing_silence]


DEFAULT_WAKE_WORDS: tuple[str, ...] = ()  # opt-in: see AsrSettings.wake_words


@dataclass(frozen=True, slots=True)
class AsrSettings:
    """`asr:` in hearth.yaml: which engine, where its model is, how it streams."""

    engine: str = "pocketsphinx"  # pocketsphinx | faster-whisper | none
    model: Path | None = None  # faster-whisper: a CTranslate2 model folder; pocketsphinx: optional override
    language: str = "en"
    compute_type: str = "int8"  # faster-whisper on CPU
    beam_size: int = 1
    stream_interval_ms: int = 300  # faster-whisper: re-decode the growing buffer this often
    vad: VadSettings = field(default_factory=VadSettings)
    # Below this confidence a transcript is not acted on (the hub asks to hear it again); None: the
    # engine's own default, since engines score on different scales.
    min_confidence: float | None = None
    # Wake words a satellite may leave at the start of the audio it streams: the grammar engine listens
    # for them before any sentence, and the hub drops them from the transcript before understanding it.
    # None by default: a wake word said alone is then forced into a wake word and some short command.
    wake_words: tuple[str, ...] = DEFAULT_WAKE_WORDS
    # pocketsphinx: an MLLR transform of the acoustic model towards the household's voice (`hearth adapt`).
    adaptation: Path | None = None

    def floor(self, engine_default: float) -> float:
        """The confidence below which transcripts are not acted on: `min_confidence`, else the engine's."""
        return engine_default if self.min_confidence is None else self.min_confidence


@dataclass(frozen=True, slots=True)
class HomeVocabulary:
    """What an engine may be biased towards or constrained to: the templates and the home's names."""

    intents: IntentData
    entities: Sequence[EntityName] = ()
    areas: Sequence[AreaName] = ()
    # The device types that can carry out each intent: a grammar says no sentence no device can act on.
    intent_types: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # Whole sentences said as they are, outside the templates: the sentences that run automations.
    sentences: Sequence[str] = ()
    # Said before a sentence, or not at all ("hey hearth"): see AsrSettings.wake_words.
    wake_words: Sequence[str] = ()

    def names(self) -> list[str]:
        """Every device and area name and alias, in config order, without repeats."""
        found = [n for e in self.entities for n in e.names] + [n for a in self.areas for n in a.names]
        return list(dict.fromkeys(found))


@dataclass(frozen=True, slots=True)
class Hypothesis:
    """A transcript with its confidence (0-1) and the runner-up transcripts with theirs, best first."""

    text: str
    confidence: float
    alternatives: tuple[tuple[str, float], ...] = ()


def without_wake_words(text: str, wake_words: Sequence[str]) -> str:
    """The transcript without a wake phrase at its start ("hey hearth turn on …" is "turn on …")."""
    words = [w.lower() for w in text.split()]
    for phrase in sorted((p.split() for p in wake_words), key=len, reverse=True):
        if phrase and words[: len(phrase)] == phrase:
            # A wake word alone is left as heard: there is no command to keep.
            return " ".join(text.split()[len(phrase) :]) if len(words) > len(phrase) else text
    return text


def hypothesis_without_wake_words(hypothesis: Hypothesis, wake_words: Sequence[str]) -> Hypothesis:
    """A hypothesis and its runner-ups without a wake phrase at their start."""
    return Hypothesis(
        without_wake_words(hypothesis.text, wake_words),
        hypothesis.confidence,
        tuple((without_wake_words(text, wake_words), c) for text, c in hypothesis.alternatives),
    )


class AsrError(Exception):
    """An engine cannot start: `key` names the hearth.yaml setting to fix, the message says how."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        self.message = message
        super().__init__(f"{key}: {message}")


class AsrStream(Protocol):
    """One utterance being recognised. Not thread-safe: one caller feeds it, in order."""

    def feed(self, pcm: bytes) -> None:
        """Add 16 kHz mono PCM16 audio (any length, whole samples); may decode, so call it off the loop."""
        ...

    def partial(self) -> str:
        """The best transcript so far (cheap; empty before any words)."""
        ...

    def ready(self) -> bool:
        """Whether `finish` can run without waiting for a decoder another stream holds (cheap, no I/O)."""
        ...

    def finish(self) -> Hypothesis:
        """No more audio: the final transcript. The stream cannot be fed afterwards."""
        ...

    def close(self) -> None:
        """Release what the stream holds (idempotent; called after finish or on cancel)."""
        ...


class AsrEngine(Protocol):
    """A loaded recogniser for one home's vocabulary; `start` opens a stream per utterance."""

    name: str
    min_confidence: float  # the default floor below which its transcripts are not acted on

    def start(self) -> AsrStream:
        """Open a stream for a new utterance."""
        ...

    def close(self) -> None:
        """Release the model."""
        ...
