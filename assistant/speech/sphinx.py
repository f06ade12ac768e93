"""The embedded ASR engine: pocketsphinx constrained by a grammar of the home's templates and names."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from intents.cachefiles import default_cache_dir, write_atomic
from intents.jsgf import FORMAT as JSGF_FORMAT
from intents.jsgf import WordGraph, build_jsgf, spoken, word_graph
from intents.normalize import tokenize

from .adapt import check_transform, faint_noise, model_streams
from .asr import SAMPLE_RATE, SAMPLE_WIDTH, AsrError, AsrSettings, HomeVocabulary, Hypothesis
from .g2p import Pronouncer, dictionary_text, merged_vowels, read_dictionary
from .level import (
    REDECODE_DISTANCE,
    Mean,
    SpeechLevel,
    distance,
    format_mean,
    parse_mean,
    utterance_mean,
    voiced_frames,
)

log = logging.getLogger("hearth.asr")

NAME = "pocketsphinx"
CACHE_FORMAT = 6  # bump when the cached FSG or dictionary files change meaning
GRAMMAR_NAME = "hearth"
VARIANTS_SEARCH = "variants"
LOOP_SEARCH = "loop"

# Wide beams and no best-path pass: measured on real home-command recordings, narrower beams and the
# lattice pass lose the right sentence far more often than they save time (see DESIGN.md).
DECODER_SETTINGS: dict[str, Any] = {
    "bestpath": False,
    "beam": 1e-50,
    "pbeam": 1e-50,
    "wbeam": 1e-35,
    "wip": 0.1,
    # Every senone scored in every frame: scores are then relative to the same best senone in the grammar
    # search and in the phone loop, so the two can be compared (the wide beams activate most anyway).
    "compallsen": True,
    "loglevel": "ERROR",
}
# The phone loop scores the same audio without a grammar: an upper bound for any sentence's score.
PHONE_LOOP_SETTINGS: dict[str, Any] = {"beam": 1e-40, "pbeam": 1e-40, "compallsen": True, "loglevel": "ERROR"}
# Digital silence around the speech: many clips start at the first sample and the decoder needs a few
# frames of silence to enter the grammar; after the speech, it lets the sentence end close in silence
# (without it, the search more often ends with no complete sentence at all).
LEADING_SILENCE_MS = 200
TRAILING_SILENCE_MS = 300
_LEAD_IN = bytes(SAMPLE_WIDTH * SAMPLE_RATE * LEADING_SILENCE_MS // 1000)
_TRAIL_OUT = bytes(SAMPLE_WIDTH * SAMPLE_RATE * TRAILING_SILENCE_MS // 1000)
# Audio that itself holds digital silence (a synthesiser, a muted or gated microphone) is padded with a
# faint noise instead (about -84 dBFS, a fixed pseudo-random sequence): after the speech, exact zeros
# were heard as a final "s" ("the kitchen light" as "... lights", two devices) once the model was adapted
# to the voice, and the stock model heard 56 of the 70 synthesised commands right with it against 53.
# Microphone audio keeps the zeros: there the faint padding lowered exact transcripts of the real clips
# from 30 to 20 of 61.
DIGITAL_SILENCE_SAMPLES = SAMPLE_RATE // 100  # a run of exact zeros this long (10 ms) is digital silence


_FAINT_LEAD_IN = faint_noise(len(_LEAD_IN) // SAMPLE_WIDTH, 1)
_FAINT_TRAIL_OUT = faint_noise(len(_TRAIL_OUT) // SAMPLE_WIDTH, 2)


def has_digital_silence(pcm: bytes) -> bool:
    """Whether PCM16 audio holds a run of exact zeros no microphone's own noise would leave."""
    samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % SAMPLE_WIDTH], "<i2")
    if samples.size < DIGITAL_SILENCE_SAMPLES:
        return False
    zero = np.concatenate(([0], (samples == 0).astype(np.int8), [0]))
    edges = np.flatnonzero(np.diff(zero))
    return bool(((edges[1::2] - edges[::2]) >= DIGITAL_SILENCE_SAMPLES).any())


FIRST_BLOCK_BYTES = SAMPLE_WIDTH * SAMPLE_RATE * 400 // 1000  # audio decoded in blocks of at least
BLOCK_BYTES = SAMPLE_WIDTH * SAMPLE_RATE * 100 // 1000  # these lengths (see SphinxStream._decode)
MAX_SECONDS = 20.0
# An utterance too long to measure its own cepstral mean (see level.py) is decoded again, with the mean it
# left behind, when that moved more than this from the one it was heard with ("turn off the garage light"
# became "are lock in the garage locked" from a fresh decoder's mean).
MEAN_DRIFT = 1.0

# Confidence: (grammar score - phone-loop score) per frame, mapped through a logistic; in-grammar speech
# sits close to the unconstrained phone loop, speech the grammar cannot say is forced far below it.
CONFIDENCE_CENTER = -1.0
CONFIDENCE_SCALE = 1.0
# A second opinion for a transcript that fits poorly but not hopelessly (confidence in this band, up to the
# floor): the same audio decoded with only the home's word pairs, not its sentences (see loop_fsg_text).
# When that looser search hears the very same words, the grammar did not force them on the audio, and the
# confidence goes half-way to certain. Measured (stock model, the hub's floor 0.5): synthesised commands
# right 56 → 61 of 70 and real clips one more right ("is the front door locked", 0.25), none of the 30
# synthesised sentences the home has no command for, nor any misheard real clip, agreeing in the band.
# Under 0.1 agreement is no evidence: adapted to espeak-ng, "dim the kitchen light a little" was heard
# "do that again" by both searches (0.00), and "pause the tv" right by both (0.01).
SECOND_OPINION_FROM = 0.1
# Score units (log base 1.0001) by which a runner-up may trail the best sentence and still count as close.
VARIANT_TEMPERATURE = 500.0

# Words whose swap turns a command into its opposite or a sibling that sounds alike; a runner-up
# sentence is the best one with one such word swapped, when the grammar can say it.
CONFUSABLE: dict[str, tuple[str, ...]] = {
    "on": ("off", "down", "up"), "off": ("on", "down", "up"), "up": ("down", "on", "off"),
    "down": ("up", "on", "off"), "open": ("close",), "close": ("open",), "opened": ("closed",),
    "closed": ("opened", "open"), "lock": ("unlock",), "unlock": ("lock",), "locked": ("unlocked",),
    "unlocked": ("locked",), "raise": ("lower",), "lower": ("raise",),
    "brighter": ("dimmer",), "dimmer": ("brighter",), "warmer": ("cooler",), "cooler": ("warmer",),
    "louder": ("quieter",), "quieter": ("louder",), "pause": ("play",), "play": ("pause",),
}  # fmt: skip
MAX_VARIANTS = 3
# Numbers that sound alike: "fifteen" and "fifty" differ in one unstressed syllable, and a decoder
# that hears "fifty" may add a unit ("fifty two") to fill the time "-teen" took.
_TEENS = {
    "thirteen": "thirty", "fourteen": "forty", "fifteen": "fifty", "sixteen": "sixty",
    "seventeen": "seventy", "eighteen": "eighty", "nineteen": "ninety",
}  # fmt: skip
_TENS = {tens: teen for teen, tens in _TEENS.items()}
_UNITS = frozenset({"one", "two", "three", "four", "five", "six", "seven", "eight", "nine"})
# Plural device words and their singulars: a plural heard where the singular scores nearly as well is taken
# as the singular (see SphinxStream._result).
SINGULARS = {"lights": "light", "lamps": "lamp", "bulbs": "bulb", "fans": "fan", "thermostats": "thermostat"}
# In log units (base 1.0001). Measured gaps (plural minus singular score): misheard plurals in synthesised
# speech -250 to +90, plurals people really said +290 to +390.
PLURAL_MARGIN = 150.0

_ACOUSTIC_FILES = ("mdef", "means", "variances", "transition_matrices", "noisedict")
_MIXTURE_FILES = ("sendump", "mixture_weights")
_BYTES_PER_SECOND = SAMPLE_RATE * SAMPLE_WIDTH


def _pocketsphinx() -> Any:
    try:
        import pocketsphinx  # type: ignore[import-untyped]  # ships no type information
    except ImportError as err:
        raise AsrError(
            "asr.engine",
            "pocketsphinx is not installed: `pip install pocketsphinx` (5.x), or choose another asr.engine",
        ) from err
    return pocketsphinx


@dataclass(frozen=True, slots=True)
class AcousticModel:
    """An acoustic model folder, its pronunciation dictionary and (optionally) its phone language model."""

    path: Path
    dictionary: Path
    phone_lm: Path | None


def acoustic_model(model: Path | None) -> AcousticModel:
    """The model to load: `asr.model` when set (checked), else the en-US model of the pocketsphinx wheel."""
    if model is None:
        root = Path(_pocketsphinx().get_model_path()) / "en-us"
        return AcousticModel(root / "en-us", root / "cmudict-en-us.dict", root / "en-us-phone.lm.bin")
    wanted = f"{', '.join(_ACOUSTIC_FILES)} and {' or '.join(_MIXTURE_FILES)}"
    if not model.is_dir():
        raise AsrError(
            "asr.model",
            f"{str(model)!r} is not a directory: set it to a pocketsphinx acoustic model folder ({wanted}, "
            "plus a *.dict pronunciation dictionary), or remove it to use the en-US model of the wheel",
        )
    missing = [name for name in _ACOUSTIC_FILES if not (model / name).is_file()]
    if not any((model / name).is_file() for name in _MIXTURE_FILES):
        missing.append(" or ".join(_MIXTURE_FILES))
    if missing:
        raise AsrError(
            "asr.model",
            f"{str(model)!r} is not a pocketsphinx acoustic model: it lacks {', '.join(missing)} "
            f"(a model folder holds {wanted})",
        )
    default = acoustic_model(None)
    dictionaries = sorted(model.glob("*.dict")) + sorted(model.parent.glob("*.dict"))
    phone_lms = sorted(model.glob("*phone*.lm*")) + sorted(model.parent.glob("*phone*.lm*"))
    dictionary = dictionaries[0] if dictionaries else default.dictionary
    return AcousticModel(model, dictionary, phone_lms[0] if phone_lms else None)


# ---------------------------------------------------------------------------------------------- grammar


@dataclass(frozen=True, slots=True)
class GrammarFiles:
    """The decoder's grammar (pocketsphinx FSG) and dictionary files, and how they were obtained."""

    fsg: Path
    dictionary: Path
    key: str
    loop: Path  # the home's word pairs as a grammar, for the second opinion
    cached: bool
    guessed: dict[str, str] = field(default_factory=dict)  # word -> where its pronunciation came from
    skipped: tuple[str, ...] = ()


def grammar_key(vocabulary: HomeVocabulary, model: AcousticModel) -> str:
    """A hash of everything the grammar and dictionary depend on: templates, names, dictionary, formats."""
    digest = hashlib.sha256(f"{CACHE_FORMAT}\0{JSGF_FORMAT}\0{vocabulary.intents.fingerprint()}".encode())
    for entity in vocabulary.entities:
        digest.update(json.dumps([entity.id, list(entity.names), entity.type]).encode())
    digest.update(json.dumps(sorted((k, sorted(v)) for k, v in vocabulary.intent_types.items())).encode())
    digest.update(json.dumps(list(vocabulary.sentences)).encode())
    digest.update(json.dumps(list(vocabulary.wake_words)).encode())
    digest.update(b"\0areas")
    for area in vocabulary.areas:
        digest.update(json.dumps([area.id, list(area.names)]).encode())
    stat = model.dictionary.stat()
    digest.update(f"\0{model.dictionary.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def fsg_text(graph: WordGraph, name: str = GRAMMAR_NAME) -> str:
    """A word graph in pocketsphinx's FSG format (every transition probability 1: no language-model bias)."""
    # pocketsphinx's handling of free (wordless) edges loses sentences at times ("Final result does not
    # match the grammar"); its maintainers' cure is a grammar without them.
    return _fsg(name, graph.n_states, graph.final, graph.word_edges())


def _fsg(name: str, states: int, final: int, transitions: Sequence[tuple[int, int, str]]) -> str:
    """pocketsphinx's FSG format: state 0 starts, every transition probability 1."""
    lines = [f"FSG_BEGIN {name}", f"NUM_STATES {states}", "START_STATE 0", f"FINAL_STATE {final}"]
    lines += [f"TRANSITION {a} {b} 1.0 {w}" for a, b, w in transitions]
    lines.append("FSG_END")
    return "\n".join(lines) + "\n"


def loop_fsg_text(graph: WordGraph, name: str = LOOP_SEARCH) -> str:
    """The word pairs of a graph as an FSG: any sentence made of words that follow each other somewhere in
    the home's sentences, starting and ending as one can ("turn on the fan" from "turn on the light" and
    "turn off the fan"). Looser than the grammar, so it does not force a sentence on sounds it lacks."""
    edges = graph.word_edges()
    into: dict[int, set[str]] = {}
    out: dict[int, set[str]] = {}
    for source, target, word in edges:
        into.setdefault(target, set()).add(word)
        out.setdefault(source, set()).add(word)
    pairs = {(a, b) for state in into.keys() & out.keys() for a in into[state] for b in out[state]}
    ends = into.get(graph.final, set())
    starts = out.get(0, set())
    words = sorted({word for _, _, word in edges})
    # State 0 starts and state 1 ends; state 2 + i is "just said words[i]".
    after = {word: 2 + i for i, word in enumerate(words)}
    transitions = [(0, after[w], w) for w in sorted(starts)] + [(0, 1, w) for w in sorted(starts & ends)]
    for a, b in sorted(pairs):
        transitions.append((after[a], after[b], b))
        if b in ends:
            transitions.append((after[a], 1, b))
    return _fsg(name, len(words) + 2, 1, transitions)


def prepare_grammar(vocabulary: HomeVocabulary, model: AcousticModel, cache_dir: Path) -> GrammarFiles:
    """The FSG and dictionary for a home, from the cache when its key matches, else generated and cached."""
    key = grammar_key(vocabulary, model)
    base = cache_dir / f"sphinx-{key[:20]}-v{CACHE_FORMAT}"
    fsg, dictionary, meta = base.with_suffix(".fsg"), base.with_suffix(".dict"), base.with_suffix(".json")
    loop = base.with_suffix(".loop.fsg")
    try:
        info = json.loads(meta.read_text(encoding="utf-8"))
        if info.get("key") == key and fsg.is_file() and dictionary.is_file() and loop.is_file():
            return GrammarFiles(fsg, dictionary, key, loop, True, info["guessed"], tuple(info["skipped"]))
    except (OSError, ValueError, KeyError):
        pass  # missing or damaged: generate again
    grammar = build_jsgf(
        vocabulary.intents,
        vocabulary.entities,
        vocabulary.areas,
        vocabulary.intent_types,
        sentences=vocabulary.sentences,
        wake_words=vocabulary.wake_words,
    )
    graph = word_graph(grammar)
    known = read_dictionary(model.dictionary, grammar.words)
    pronunciations, guessed = Pronouncer(known).pronounce(grammar.words)
    pronunciations = merged_vowels(pronunciations)
    if guessed:
        log.info("pronunciations guessed for %s", ", ".join(f"{w} ({s})" for w, s in sorted(guessed.items())))
    try:
        write_atomic(dictionary, dictionary_text(pronunciations).encode())
        write_atomic(fsg, fsg_text(graph).encode())
        write_atomic(loop, loop_fsg_text(graph).encode())
        summary = {"key": key, "guessed": guessed, "skipped": list(grammar.skipped)}
        write_atomic(meta, json.dumps(summary).encode())
    except OSError as err:
        raise AsrError("asr.engine", f"cannot write the speech grammar to {cache_dir}: {err}") from err
    return GrammarFiles(fsg, dictionary, key, loop, False, guessed, grammar.skipped)


# ---------------------------------------------------------------------------------------------- decoders


@dataclass(slots=True)
class _Slot:
    """One grammar decoder and the phone loop that scores the same audio for the confidence."""

    grammar: Any
    phones: Any
    # The word-pair grammar; its search (~10 MB) is made only for a second opinion, and removed after.
    loop: Any
    start: Mean = ()  # the cepstral mean the current utterance is heard with
    heard_with: Mean = ()  # the mean of the decode that gave the transcript (start, or a re-decode's)


class _Pool:
    """At most `size` decoder slots, made when first needed and shared by all streams in turn."""

    def __init__(self, make: Callable[[], _Slot], size: int) -> None:
        self._make = make
        self._size = size
        self._made = 0
        self._free: list[_Slot] = []
        self._cond = threading.Condition()
        self._closed = False

    def take(self, wait: bool) -> _Slot | None:
        """A free slot (made if the pool is not full); None when none is free and `wait` is false."""
        with self._cond:
            while True:
                if self._closed:
                    raise RuntimeError("the ASR engine is closed")
                if self._free:
                    return self._free.pop()
                if self._made < self._size:
                    self._made += 1
                    break
                if not wait:
                    return None
                self._cond.wait()
        try:
            return self._make()  # outside the lock: loading a decoder takes a while
        except BaseException:
            with self._cond:
                self._made -= 1
                self._cond.notify()
            raise

    def give(self, slot: _Slot) -> None:
        with self._cond:
            if not self._closed:
                self._free.append(slot)
            self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._free.clear()
            self._cond.notify_all()


# ---------------------------------------------------------------------------------------------- engine


class SphinxEngine:
    """pocketsphinx with a grammar of the home: streams share a bounded pool of decoders.

    The grammar and dictionary are generated from the templates and names and cached on disk by a hash
    of both, so a restart with the same config only loads them. Each decoder costs tens of MB for a
    typical home, so at most `decoders` exist; a stream takes one on its first audio, buffers (bounded)
    while none is free and catches up when one frees, and gives it back when it finishes or closes.
    """

    name = NAME
    # Measured on the real clips and synthesised commands (`hearth bench --only audio`): right
    # transcripts mostly score above it, misheard ones mostly below.
    min_confidence = 0.5

    def __init__(
        self,
        settings: AsrSettings,
        vocabulary: HomeVocabulary,
        *,
        cache_dir: Path | None = None,
        decoders: int = 2,
        max_seconds: float = MAX_SECONDS,
    ) -> None:
        self._ps = _pocketsphinx()
        self.settings = settings
        self.model = acoustic_model(self.settings.model)
        if settings.adaptation is not None:
            try:  # pocketsphinx reads a transform of another shape out of bounds: never hand it one
                check_transform(settings.adaptation, model_streams(self.model.path))
            except (OSError, ValueError) as err:
                raise AsrError("asr.adaptation", f"{settings.adaptation} cannot be used: {err}") from err
        start = time.perf_counter()
        self.files = prepare_grammar(vocabulary, self.model, cache_dir or default_cache_dir())
        self.prepare_seconds = time.perf_counter() - start
        self.name_pairs = name_pairs(vocabulary.names())
        # Transcripts under the floor the hub will apply get a second opinion (see SECOND_OPINION_FROM).
        self.floor = settings.floor(self.min_confidence)
        self.max_bytes = int(max_seconds * _BYTES_PER_SECOND)
        level_file = (cache_dir or default_cache_dir()) / "sphinx-level.json"
        # An adapted model hears the same audio at another level: each keeps its own.
        adapted = f" adapted by {settings.adaptation}" if settings.adaptation else ""
        self.level = SpeechLevel.load(level_file, f"{self.model.path}{adapted}")
        self._pool = _Pool(self._make_slot, max(1, decoders))
        start = time.perf_counter()
        self._pool.give(self._pool.take(wait=True) or self._make_slot())  # load errors surface at start-up
        self.load_seconds = time.perf_counter() - start

    def _make_slot(self) -> _Slot:
        model = self.model
        # Both decoders hear through the same transform, so the confidence still compares like with like.
        adaptation = {"mllr": str(self.settings.adaptation)} if self.settings.adaptation else {}
        try:
            grammar = self._ps.Decoder(
                hmm=str(model.path), dict=str(self.files.dictionary), lm=None, fsg=str(self.files.fsg),
                **DECODER_SETTINGS, **adaptation,
            )  # fmt: skip
            phones = self._ps.Decoder(
                hmm=str(model.path), dict=str(self.files.dictionary), lm=None,
                allphone=str(model.phone_lm) if model.phone_lm else None, **PHONE_LOOP_SETTINGS, **adaptation,
            )  # fmt: skip
        except (RuntimeError, ValueError) as err:
            key = "asr.adaptation" if adaptation else "asr.model"
            raise AsrError(key, f"pocketsphinx cannot load the model in {model.path}: {err}") from err
        for decoder in (grammar, phones):
            _keep_whole_utterances(decoder)
        return _Slot(grammar, phones, grammar.read_fsg(str(self.files.loop)))

    def start(self) -> SphinxStream:
        """Open a stream for a new utterance."""
        return SphinxStream(self)

    def close(self) -> None:
        """Release the decoders (streams still holding one release it when they end); keep the level."""
        self._pool.close()
        self.level.save()

    def accepts(self, words: Sequence[str], slot: _Slot) -> bool:
        """Whether the grammar can say these words."""
        return bool(slot.grammar.get_fsg().accept(" ".join(words)))


# ---------------------------------------------------------------------------------------------- streams


def _log_score(value: float) -> float:
    """pocketsphinx's Python API hands scores out as probabilities; back to log units (base 1.0001)."""
    return math.log(value) / math.log(1.0001) if value > 0 else -1e9


def _keep_whole_utterances(decoder: Any) -> None:
    """Let the decoder's feature buffer grow to hold a whole utterance instead of wrapping around.

    With the default circular buffer, pocketsphinx drops the last block of an utterance whenever it would
    wrap (acmod.c: "we can't split the last frame drop properly"), and with it the end-of-utterance update
    of the cepstral mean: about one utterance in four (3 lengths in every 12 frames) was left heard with,
    and measured as, a mean it never had. The buffer only grows after a no-search call, so one is made on
    a single sample in a throwaway utterance; the setting then lasts for the decoder's life.
    """
    decoder.start_utt()
    decoder.process_raw(bytes(SAMPLE_WIDTH), True, False)
    decoder.end_utt()


def _cepstral_mean(decoder: Any) -> Mean:
    """The decoder's running cepstral mean: the level and spectrum it expects speech at."""
    return parse_mean(decoder.get_cmn())


def confidence_of(grammar_score: float, phone_score: float, frames: int) -> float:
    """How well the grammar's best sentence explains the audio compared with unconstrained phones, 0-1."""
    if frames <= 0:
        return 0.0
    per_frame = (grammar_score - phone_score) / frames
    return 1.0 / (1.0 + math.exp(-(per_frame - CONFIDENCE_CENTER) / CONFIDENCE_SCALE))


def agreed_confidence(confidence: float) -> float:
    """The confidence of a transcript that a looser search heard word for word too: half-way to certain."""
    return (1.0 + confidence) / 2.0


def singular_twin(words: Sequence[str], accepts: Callable[[Sequence[str]], bool]) -> str | None:
    """The sentence with its plural device words said in the singular, when the grammar has it."""
    twin = [SINGULARS.get(word, word) for word in words]
    return " ".join(twin) if twin != list(words) and accepts(twin) else None


def variants(words: Sequence[str], accepts: Callable[[Sequence[str]], bool]) -> list[str]:
    """Sentences of the grammar that differ from `words` by one confusable word ("on" for "off")."""
    found: list[str] = []
    for i, word in enumerate(words):
        for other in CONFUSABLE.get(word, ()):
            candidate = [*words[:i], other, *words[i + 1 :]]
            if accepts(candidate) and len(found) < MAX_VARIANTS:
                found.append(" ".join(candidate))
    return found


def number_variants(words: Sequence[str], accepts: Callable[[Sequence[str]], bool]) -> list[str]:
    """Sentences of the grammar with a number said as its sound-alike: "fifty (two)" for "fifteen"."""
    found: list[str] = []
    for i, word in enumerate(words):
        rest = list(words[i + 1 :])
        if word in _TEENS:
            options = [[_TEENS[word], *rest]]
        elif word in _TENS:
            unit = rest[:1] and rest[0] in _UNITS
            options = [[_TENS[word], *(rest[1:] if unit else rest)]] + ([[word, *rest[1:]]] if unit else [])
        else:
            continue
        for option in options:
            candidate = [*words[:i], *option]
            if accepts(candidate) and len(found) < MAX_VARIANTS:
                found.append(" ".join(candidate))
    return found


def name_pairs(names: Sequence[str]) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Each device or area name with every longer name that starts with it ("kitchen light", "kitchen
    light strip"): the word or two at the end is short and easily lost in the audio."""
    split = [spoken(tokenize(n, strip_phrases=False)) for n in names]
    return [(a, b) for a in split for b in split if len(b) > len(a) and b[: len(a)] == a]


def longer_names(
    words: Sequence[str],
    pairs: Sequence[tuple[tuple[str, ...], tuple[str, ...]]],
    accepts: Callable[[Sequence[str]], bool],
) -> list[str]:
    """Sentences of the grammar with a name said replaced by a longer one that starts with it."""
    found: list[str] = []
    for short, longer in pairs:
        for i in range(len(words) - len(short) + 1):
            if tuple(words[i : i + len(short)]) != short or tuple(words[i : i + len(longer)]) == longer:
                continue
            candidate = [*words[:i], *longer, *words[i + len(short) :]]
            if accepts(candidate) and len(found) < MAX_VARIANTS:
                found.append(" ".join(candidate))
    return found


class SphinxStream:
    """One utterance: feeds a pooled decoder as audio arrives, or buffers until one is free."""

    def __init__(self, engine: SphinxEngine) -> None:
        self._engine = engine
        self._audio = bytearray()  # the whole utterance, kept for the runner-up pass (bounded)
        self._fed = 0  # bytes of _audio the decoder has seen
        self._slot: _Slot | None = None
        self._partial = ""
        self._finished = False
        self._closed = False
        self._lock = threading.Lock()
        self._lead_in, self._trail_out = _LEAD_IN, _TRAIL_OUT  # chosen on the first block (see above)

    def feed(self, pcm: bytes) -> None:
        """Add 16 kHz mono PCM16 audio and decode what a decoder can take now."""
        if len(pcm) % SAMPLE_WIDTH:
            raise ValueError("PCM16 audio must hold whole samples")
        with self._lock:
            if self._finished or self._closed:
                raise RuntimeError("the stream is finished")
            room = self._engine.max_bytes - len(self._audio)
            if len(pcm) > room:
                seconds = self._engine.max_bytes / _BYTES_PER_SECOND
                log.warning("utterance longer than %.0f s: the audio after that is ignored", seconds)
                pcm = pcm[: max(0, room)]
            self._audio += pcm
            if self._slot is None:
                self._begin(self._engine._pool.take(wait=False))
            self._decode()

    def partial(self) -> str:
        """The best transcript so far (a field read: safe from any thread)."""
        return self._partial

    def ready(self) -> bool:
        """Whether this stream holds a decoder, taking a free one if it has none (never waits).

        A stream that got no decoder while it was fed must not wait for one in a worker thread: the
        streams holding the decoders need worker threads themselves to finish and give them back.
        """
        with self._lock:
            if self._slot is None and not self._closed:
                self._begin(self._engine._pool.take(wait=False))
            return self._slot is not None

    def finish(self) -> Hypothesis:
        """Decode what is left and return the transcript, its confidence and the close runner-ups."""
        with self._lock:
            if self._finished or self._closed:
                raise RuntimeError("the stream is finished")
            self._finished = True
            if self._slot is None:
                self._begin(self._engine._pool.take(wait=True))
            slot = self._slot
            assert slot is not None
            try:
                self._decode(final=True)
                self._trail(slot)
                slot.grammar.end_utt()
                slot.phones.end_utt()
                self._renormalise(slot)
                return self._result(slot)
            finally:
                self._release()

    def close(self) -> None:
        """Give the decoder back (idempotent; after finish or on cancel)."""
        with self._lock:
            self._closed = True
            self._audio = bytearray()
            if self._slot is not None:
                for decoder in (self._slot.grammar, self._slot.phones):
                    with contextlib.suppress(RuntimeError):  # no utterance in progress
                        decoder.end_utt()
                self._release()

    def _begin(self, slot: _Slot | None) -> None:
        if slot is None:
            return
        self._slot = slot
        # Every utterance starts from the level the last one left, whichever decoder heard that one.
        slot.start = slot.heard_with = self._engine.level.mean
        for decoder in (slot.grammar, slot.phones):
            decoder.set_cmn(format_mean(slot.start))
            decoder.start_utt()

    def _decode(self, final: bool = False) -> None:
        slot = self._slot
        pending = len(self._audio) - self._fed
        if slot is None or not pending:
            return
        # The decoder normalises its features by a running mean updated once per block it is given:
        # a block of digital silence alone, or many tiny blocks, drag that mean off and the words
        # are misheard ("turn off the garage light" fed in 20 ms pieces became "are lock in ...").
        # So the lead-in silence rides with the first words, and audio goes in blocks of some length.
        if not final and pending < (FIRST_BLOCK_BYTES if self._fed == 0 else BLOCK_BYTES):
            return
        chunk = bytes(self._audio[self._fed :])
        if self._fed == 0:
            if has_digital_silence(chunk):
                self._lead_in, self._trail_out = _FAINT_LEAD_IN, _FAINT_TRAIL_OUT
            chunk = self._lead_in + chunk
        self._fed = len(self._audio)
        slot.grammar.process_raw(chunk, False, False)
        slot.phones.process_raw(chunk, False, False)
        hyp = slot.grammar.hyp()
        self._partial = hyp.hypstr if hyp is not None else ""

    def _renormalise(self, slot: _Slot) -> None:
        """Decode again when the utterance was heard with a mean far from its own; keep the new level.

        The next utterance starts from the decoder's blend of history and this one, not from this one's
        own mean: one utterance's mean depends on its words, and starting the next from it heard the
        synthesised commands worse (49 of 70 intents, against 54).
        """
        end = _cepstral_mean(slot.grammar)
        self._engine.level.update(end)
        own = utterance_mean(slot.start, end, voiced_frames(bytes(self._audio)))
        if own is not None:
            if distance(own, slot.start) <= REDECODE_DISTANCE:
                return
            self._again(slot, own)
            hyp = slot.grammar.hyp()
            if hyp is not None and hyp.hypstr:
                return
        elif abs(end[0] - slot.start[0]) <= MEAN_DRIFT:
            return
        # Too long to measure its own mean, or no sentence of the grammar fits it under that mean: the
        # blend of history and this utterance the decoder ended with.
        self._again(slot, end)

    def _again(self, slot: _Slot, mean: Mean) -> None:
        """Decode the whole utterance once more, its features normalised by `mean`."""
        slot.heard_with = mean
        for decoder in (slot.grammar, slot.phones):
            decoder.set_cmn(format_mean(mean))
            decoder.start_utt()
            decoder.process_raw(self._lead_in + bytes(self._audio) + self._trail_out, False, False)
            decoder.end_utt()

    def _trail(self, slot: _Slot) -> None:
        """Digital silence after the speech, so paths that end the sentence can close in silence."""
        slot.grammar.process_raw(self._trail_out, False, False)
        slot.phones.process_raw(self._trail_out, False, False)

    def _release(self) -> None:
        slot, self._slot = self._slot, None
        if slot is not None:
            self._engine._pool.give(slot)

    def _result(self, slot: _Slot) -> Hypothesis:
        hyp = slot.grammar.hyp()
        if hyp is None or not hyp.hypstr:
            self._partial = ""
            return Hypothesis("", 0.0)
        text = hyp.hypstr
        self._partial = text
        phones = slot.phones.hyp()
        frames = slot.grammar.n_frames()
        confidence = confidence_of(_log_score(hyp.score), _log_score(phones.score) if phones else 0.0, frames)
        if SECOND_OPINION_FROM <= confidence < self._engine.floor and self._loop_heard(slot) == text:
            confidence = agreed_confidence(confidence)

        def accepts(words: Sequence[str]) -> bool:
            return self._engine.accepts(words, slot)

        twin = singular_twin(text.split(), accepts)
        # "the kitchen light strip" heard without "strip" would act on another device: the longer name
        # is scored too, and asked about when it fits about as well
        others = (
            variants(text.split(), accepts)
            + number_variants(text.split(), accepts)
            + longer_names(text.split(), self._engine.name_pairs, accepts)
        )
        if not others and twin is None:
            return Hypothesis(text, confidence)
        scores = self._score(slot, [text, *others, *([twin] if twin else [])])
        if twin is not None:
            # A final "s" is the least reliable sound there is, and "the kitchen lights" acts on more
            # devices than "the kitchen light": when the singular fits about as well, it is the one heard.
            if scores.pop(twin) >= scores[text] - PLURAL_MARGIN:
                scores[twin] = scores.pop(text)
                text = twin
            if len(scores) == 1:
                return Hypothesis(text, confidence)
        best = max(scores.values())
        # Softmax over the sentences' scores: a runner-up within a few hundred units is a near tie.
        weights = {s: math.exp((scores[s] - best) / VARIANT_TEMPERATURE) for s in scores}
        total = sum(weights.values())
        ranked = sorted(weights, key=lambda s: -weights[s])
        top = ranked[0]
        alternatives = tuple((s, round(confidence * weights[s] / total, 4)) for s in ranked[1:])
        return Hypothesis(top, round(confidence * weights[top] / total, 4), alternatives)

    def _loop_heard(self, slot: _Slot) -> str:
        """What the looser search of the home's word pairs hears in the utterance, with the same mean."""
        with _searching(slot.grammar, LOOP_SEARCH, slot.loop) as decoder:
            decoder.set_cmn(format_mean(slot.heard_with))
            decoder.start_utt()
            decoder.process_raw(self._lead_in + bytes(self._audio) + self._trail_out, False, False)
            decoder.end_utt()
            hyp = decoder.hyp()
            return str(hyp.hypstr) if hyp is not None else ""

    def _score(self, slot: _Slot, sentences: Sequence[str]) -> dict[str, float]:
        """Each sentence's score on this audio, from one pass with a grammar of just these sentences."""
        decoder = slot.grammar
        transitions: list[tuple[int, int, float, str]] = []
        states = 2
        for sentence in sentences:
            words, state = sentence.split(), 0
            for i, word in enumerate(words):
                target = 1 if i == len(words) - 1 else states
                states += target != 1
                transitions.append((state, target, 1.0, word))
                state = target
        with _searching(decoder, VARIANTS_SEARCH, decoder.create_fsg(VARIANTS_SEARCH, 0, 1, transitions)):
            decoder.start_utt()
            decoder.process_raw(self._lead_in + bytes(self._audio), False, False)
            decoder.end_utt()
            scores: dict[str, float] = dict.fromkeys(sentences, -1e9)
            for n, entry in enumerate(decoder.nbest()):
                if entry.hypstr in scores:
                    scores[entry.hypstr] = max(scores[entry.hypstr], _log_score(entry.score))
                if n >= 4 * len(sentences):
                    break
            return scores


@contextlib.contextmanager
def _searching(decoder: Any, name: str, fsg: Any) -> Iterator[Any]:
    """The decoder searching only `fsg` for the block; back to the home grammar, the search removed, after."""
    decoder.add_fsg(name, fsg)
    try:
        decoder.activate_search(name)
        yield decoder
    finally:
        decoder.activate_search()  # back to the home grammar, the decoder's default search
        decoder.remove_search(name)
