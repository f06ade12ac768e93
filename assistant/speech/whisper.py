"""faster-whisper as a streaming AsrEngine: re-decode the growing buffer, commit what two decodes agree on."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.speech.agreement import LocalAgreement, word_key
from assistant.speech.asr import SAMPLE_RATE, AsrError, AsrSettings, HomeVocabulary, Hypothesis

MODEL_KEY = "asr.model"
MODEL_HINT = (
    "a faster-whisper (CTranslate2) model directory containing model.bin, config.json, "
    "vocabulary.json and tokenizer.json: download a faster-whisper model directory, "
    "e.g. Systran/faster-whisper-tiny.en, and set asr.model to its path"
)
REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json")
VOCABULARY_FILES = ("vocabulary.json", "vocabulary.txt")

WINDOW_SECONDS = 30  # Whisper hears one 30 s window; longer audio would need a second, separate decode
MAX_LENGTH = 448  # Whisper's decoder positions: prompt and generated tokens together
PROMPT_TOKENS = 120  # room for the home's names; Whisper itself keeps at most 223 tokens of context
# Generated tokens allowed per decode: generous for speech (~3 words/s, ~1.3 tokens/word) yet a hard
# stop for a model that loops, which otherwise runs to the 224-token limit on every re-decode.
MIN_NEW_TOKENS = 16
NEW_TOKENS_PER_SECOND = 6
NBEST = 3  # hypotheses kept by the final decode (a beam at least this wide; runs once per utterance)
# When a decode takes longer than the interval (a big model on a small CPU), wait for proportionally
# more audio before the next one so decoding takes at most this share of real time and never falls
# further and further behind the speaker.
REALTIME_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Decoded:
    """One decode of a buffer: the best transcript's words, its confidence, and the runners-up."""

    words: tuple[str, ...]
    confidence: float
    alternatives: tuple[tuple[tuple[str, ...], float], ...] = ()


def check_model_dir(path: Path | None) -> Path:
    """The model directory if it looks complete, else AsrError naming `asr.model` and what to put there."""
    if path is None:
        raise AsrError(MODEL_KEY, f"not set; faster-whisper needs {MODEL_HINT}")
    if not path.is_dir():
        what = "is not a directory" if path.exists() else "does not exist"
        raise AsrError(MODEL_KEY, f"{path} {what}; faster-whisper needs {MODEL_HINT}")
    missing = [name for name in REQUIRED_FILES if not (path / name).is_file()]
    if not any((path / name).is_file() for name in VOCABULARY_FILES):
        missing.append(VOCABULARY_FILES[0])
    if missing:
        raise AsrError(MODEL_KEY, f"{path} lacks {', '.join(missing)}; faster-whisper needs {MODEL_HINT}")
    return path


def _cpu_threads() -> int:
    """Cores this process may use, at most 4 (CTranslate2's own default, which oversubscribes 2 cores)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


def bias_prompt(names: list[str], count_tokens: Callable[[str], int], budget: int = PROMPT_TOKENS) -> str:
    """The home's names as a comma-separated prompt, cut at a whole name once `budget` tokens are used."""
    kept: list[str] = []
    for name in names:
        candidate = ", ".join([*kept, name])
        if count_tokens(" " + candidate) > budget:
            break
        kept.append(name)
    return ", ".join(kept)


def _confidence(score: float, tokens: int, no_speech_prob: float) -> float:
    """Mean token probability (faster-whisper's avg_logprob, end token included) times P(speech)."""
    # CTranslate2's score is the summed log-probability divided by the length; faster-whisper undoes
    # that and spreads the sum over the text tokens plus the end token.
    avg_logprob = score * tokens / (tokens + 1)
    return max(0.0, min(1.0, math.exp(avg_logprob) * (1.0 - no_speech_prob)))


class WhisperEngine:
    """A faster-whisper model on the CPU, biased towards the home's device and area names."""

    name = "faster-whisper"
    # faster-whisper itself treats a mean log-probability under -1 (probability 0.37) as a failed decode.
    min_confidence = 0.3

    def __init__(self, settings: AsrSettings, vocabulary: HomeVocabulary, *, cpu_threads: int = 0) -> None:
        """Load the model of `settings.model` (a local directory; nothing is ever downloaded)."""
        if settings.beam_size < 1:
            raise AsrError("asr.beam_size", f"must be at least 1, not {settings.beam_size}")
        if settings.stream_interval_ms <= 0:
            raise AsrError("asr.stream_interval_ms", f"must be positive, not {settings.stream_interval_ms}")
        path = check_model_dir(settings.model)
        self.settings = settings
        self._model = _load(path, settings.compute_type, cpu_threads or _cpu_threads())
        self._tokenizer = _tokenizer(self._model, settings.language)
        self._suppress = list(_suppressed_tokens(self._tokenizer))
        self.prompt = bias_prompt(vocabulary.names(), lambda text: len(self._tokenizer.encode(text)))
        self._prompt_ids: list[int] = list(
            self._model.get_prompt(self._tokenizer, [], without_timestamps=True, hotwords=self.prompt or None)
        )

    @property
    def prompt_ids(self) -> tuple[int, ...]:
        """The decoder prompt: <|startofprev|> and the names (when any), then the task tokens."""
        return tuple(self._prompt_ids)

    def start(self) -> WhisperStream:
        """Open a stream for a new utterance."""
        return WhisperStream(self)

    def close(self) -> None:
        """Release the model (streams still open can no longer decode)."""
        self._model = None

    def decode(self, audio: np.ndarray, *, nbest: int = 1) -> Decoded:
        """Transcribe float32 audio (at most one 30 s window) in one pass; `nbest` > 1 widens the beam."""
        model = self._model
        if model is None:
            raise RuntimeError("the faster-whisper engine is closed")
        seconds = len(audio) / SAMPLE_RATE
        features = model.feature_extractor(audio)[:, :-1]  # as faster-whisper: the last frame is padding
        encoded = model.encode(_pad_or_trim(features))
        new_tokens = min(MAX_LENGTH // 2, MIN_NEW_TOKENS + math.ceil(seconds * NEW_TOKENS_PER_SECOND))
        # CTranslate2 generates at most min(max_length / 2, max_length - prompt) tokens.
        max_length = min(MAX_LENGTH, max(2 * new_tokens, new_tokens + len(self._prompt_ids)))
        beam = max(self.settings.beam_size, nbest)
        result = model.model.generate(
            encoded,
            [self._prompt_ids],
            beam_size=beam,
            num_hypotheses=min(nbest, beam),
            max_length=max_length,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self._suppress,
        )[0]
        no_speech = float(result.no_speech_prob)
        ranked: list[tuple[tuple[str, ...], float]] = []
        for ids, score in zip(result.sequences_ids, result.scores, strict=True):
            words = tuple(self._tokenizer.decode(list(ids)).split())
            ranked.append((words, _confidence(float(score), len(ids), no_speech) if words else 0.0))
        best_words, best_confidence = ranked[0] if ranked else ((), 0.0)
        return Decoded(best_words, best_confidence, tuple(ranked[1:]))


def _load(path: Path, compute_type: str, cpu_threads: int) -> Any:
    """faster_whisper.WhisperModel from a local directory, every failure as an AsrError."""
    import ctranslate2  # type: ignore[import-untyped]
    from faster_whisper import WhisperModel  # type: ignore[import-untyped]

    supported = set(ctranslate2.get_supported_compute_types("cpu")) | {"default", "auto"}
    if compute_type not in supported:
        choices = ", ".join(sorted(supported))
        raise AsrError("asr.compute_type", f"{compute_type!r} does not run on this CPU; use one of {choices}")
    try:
        return WhisperModel(
            str(path),
            device="cpu",
            compute_type=compute_type,
            cpu_threads=cpu_threads,
            local_files_only=True,
        )
    except Exception as err:  # CTranslate2 and tokenizers raise assorted types for a bad file
        raise AsrError(MODEL_KEY, f"cannot load {path} ({err}); faster-whisper needs {MODEL_HINT}") from err


def _tokenizer(model: Any, language: str) -> Any:
    """faster-whisper's Tokenizer for transcribing `language`, or AsrError if the model cannot."""
    from faster_whisper.tokenizer import Tokenizer  # type: ignore[import-untyped]

    multilingual = bool(model.model.is_multilingual)
    if not multilingual and language != "en":
        raise AsrError(
            "asr.language", f"{language!r}, but this model is English-only: use a multilingual model"
        )
    if multilingual and model.hf_tokenizer.token_to_id(f"<|{language}|>") is None:
        raise AsrError("asr.language", f"{language!r} is not a language this Whisper model knows")
    return Tokenizer(model.hf_tokenizer, multilingual, task="transcribe", language=language)


def _suppressed_tokens(tokenizer: Any) -> tuple[int, ...]:
    """What faster-whisper suppresses by default: the model's list, non-speech symbols, task tokens."""
    from faster_whisper.transcribe import get_suppressed_tokens  # type: ignore[import-untyped]

    return tuple(int(t) for t in get_suppressed_tokens(tokenizer, [-1]))


def _pad_or_trim(features: np.ndarray) -> np.ndarray:
    from faster_whisper.audio import pad_or_trim  # type: ignore[import-untyped]

    return np.asarray(pad_or_trim(features))


class WhisperStream:
    """One utterance: a bounded buffer re-decoded every `stream_interval_ms` of new audio."""

    def __init__(self, engine: WhisperEngine, clock: Callable[[], float] = time.perf_counter) -> None:
        """Open a stream on `engine` with an empty buffer; `clock` times the decodes (seconds)."""
        settings = engine.settings
        self._engine = engine
        self._clock = clock
        seconds = min(settings.vad.max_seconds, WINDOW_SECONDS)
        # Preallocated once: the buffer never grows; audio beyond the cap is counted and dropped,
        # as the hub cuts an utterance at the same length.
        self._audio = np.zeros(round(seconds * SAMPLE_RATE), dtype=np.int16)
        self._length = 0
        self._odd_byte = b""
        self._interval = settings.stream_interval_ms * SAMPLE_RATE // 1000
        self._next_decode = self._interval
        self._agreement = LocalAgreement()
        self._finished = False
        self.decodes = 0
        self.dropped_samples = 0

    @property
    def capacity(self) -> int:
        """The most samples the buffer holds."""
        return len(self._audio)

    @property
    def buffered(self) -> int:
        """Samples in the buffer now."""
        return self._length

    @property
    def committed(self) -> str:
        """The words two successive decodes agreed on; this only ever grows."""
        return " ".join(self._agreement.committed)

    def feed(self, pcm: bytes) -> None:
        """Add 16 kHz mono PCM16; decodes when `stream_interval_ms` of new audio has arrived."""
        if self._finished:
            raise RuntimeError("the stream is finished")
        data = self._odd_byte + pcm
        whole = len(data) - len(data) % 2
        self._odd_byte = data[whole:]  # a sample split across two frames waits for its other byte
        samples = np.frombuffer(data, dtype="<i2", count=whole // 2)
        room = len(self._audio) - self._length
        taken = min(room, len(samples))
        self._audio[self._length : self._length + taken] = samples[:taken]
        self._length += taken
        self.dropped_samples += len(samples) - taken
        if taken and self._length >= self._next_decode:
            self._decode()

    def _decode(self) -> None:
        started = self._clock()
        decoded = self._engine.decode(self._float_audio())
        self._agreement.insert(decoded.words)
        self.decodes += 1
        busy = round((self._clock() - started) / REALTIME_SHARE * SAMPLE_RATE)
        self._next_decode = self._length + max(self._interval, busy)

    def _float_audio(self) -> np.ndarray:
        return self._audio[: self._length].astype(np.float32) / 32768.0

    def partial(self) -> str:
        """Committed words plus the latest decode's tentative tail."""
        return self._agreement.text()

    def ready(self) -> bool:
        """Always: streams share the model under a lock, never hold it between calls."""
        return True

    def finish(self) -> Hypothesis:
        """Decode the whole utterance once more: committed words stay, the final decode supplies the rest.

        The alternatives are the final decode's own n-best transcripts, so a final decode that disagrees
        with a committed word ("turn off" after "turn on" was committed) shows up there.
        """
        if self._finished:
            raise RuntimeError("the stream is finished")
        self._finished = True
        if self._length == 0:
            return Hypothesis("", 0.0)
        decoded = self._engine.decode(self._float_audio(), nbest=NBEST)
        self.decodes += 1
        text = " ".join(self._agreement.complete(decoded.words))
        seen = {_text_key(text)}
        alternatives: list[tuple[str, float]] = []
        for words, confidence in ((decoded.words, decoded.confidence), *decoded.alternatives):
            key = tuple(word_key(w) for w in words)
            if words and key not in seen:
                seen.add(key)
                alternatives.append((" ".join(words), confidence))
        return Hypothesis(text, decoded.confidence if text else 0.0, tuple(alternatives))

    def close(self) -> None:
        """Drop the buffer (idempotent)."""
        self._finished = True
        self._audio = np.zeros(0, dtype=np.int16)
        self._length = 0


def _text_key(text: str) -> tuple[str, ...]:
    return tuple(word_key(w) for w in text.split())
