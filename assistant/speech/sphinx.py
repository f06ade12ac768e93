"""The embedded ASR engine: pocketsphinx constrained to the sentences of this home's templates and names."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from queue import Empty, LifoQueue
from typing import Any

from intents.classifier import default_cache_dir
from intents.jsgf import build_jsgf, word_graph

from .asr import SAMPLE_RATE, AsrError, AsrSettings, HomeVocabulary, Hypothesis
from .g2p import Pronouncer, read_dictionary

try:
    from pocketsphinx import Decoder, get_model_path  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - pocketsphinx is a dependency; this names the fix if it is gone
    Decoder = None
    get_model_path = None

# Decoder settings measured on the real clips (DESIGN.md): no best-path pass, wide beams, a small word
# insertion penalty. Digital silence before the audio helps clips that start at the first sample.
DECODER_OPTIONS: dict[str, Any] = {
    "bestpath": False,
    "wbeam": 1e-40,
    "beam": 1e-60,
    "pbeam": 1e-60,
    "wip": 0.1,
    "loglevel": "ERROR",
}
LEAD_IN = bytes(2 * SAMPLE_RATE * 200 // 1000)  # 200 ms
NBEST = 12  # hypotheses looked at for runner-ups (each distinct sentence once)
CACHE_FORMAT = "1"


def _model_folder(settings: AsrSettings) -> tuple[Path, Path]:
    """(acoustic model folder, CMU dictionary) from `asr.model` or the model inside the pocketsphinx wheel."""
    if Decoder is None or get_model_path is None:
        raise AsrError(
            "asr.engine", "pocketsphinx is not installed: run `make run` or pip install pocketsphinx"
        )
    base = settings.model or Path(get_model_path()) / "en-us"
    acoustic, dictionary = base / "en-us", base / "cmudict-en-us.dict"
    if not (acoustic / "mdef").is_file() or not dictionary.is_file():
        raise AsrError(
            "asr.model",
            f"{base} is not a pocketsphinx model folder (it needs en-us/ with the acoustic model and "
            "cmudict-en-us.dict); remove asr.model to use the model that ships with pocketsphinx",
        )
    return acoustic, dictionary


class SphinxEngine:
    """pocketsphinx with a finite-state grammar of the home, built once per config and cached on disk."""

    name = "pocketsphinx"

    def __init__(
        self,
        settings: AsrSettings,
        vocabulary: HomeVocabulary,
        *,
        cache_dir: Path | None = None,
        max_decoders: int = 4,
    ) -> None:
        self.settings = settings
        self._acoustic, dictionary = _model_folder(settings)
        grammar = build_jsgf(vocabulary.intents, vocabulary.entities, vocabulary.areas)
        folder = (cache_dir or default_cache_dir()) / f"sphinx-{CACHE_FORMAT}-{grammar.fingerprint[:20]}"
        self.fsg, self.dictionary = folder / "grammar.fsg", folder / "words.dict"
        self.built = not (self.fsg.is_file() and self.dictionary.is_file())
        if self.built:
            self._write(grammar, dictionary, folder)
        self.max_bytes = int(2 * SAMPLE_RATE * (settings.vad.max_seconds + 2))
        # Decoders are shared: each holds the acoustic model, so a stream borrows one for its utterance.
        self._idle: LifoQueue[Any] = LifoQueue()
        self._lock = threading.Lock()
        self._created = 0
        self._max_decoders = max_decoders
        self._idle.put(self._new_decoder())  # load once now, so a broken model fails at start-up

    def _write(self, grammar: Any, cmudict: Path, folder: Path) -> None:
        graph = word_graph(grammar)
        pronunciations, _guessed = Pronouncer(read_dictionary(cmudict, grammar.words)).pronounce(
            grammar.words
        )
        lines = [
            "FSG_BEGIN hearth",
            f"NUM_STATES {graph.n_states}",
            "START_STATE 0",
            f"FINAL_STATE {graph.final}",
        ]
        lines += [f"TRANSITION {a} {b} 1.0" + (f" {w}" if w else "") for a, b, w in graph.edges]
        entries = [
            f"{word}{'' if i == 0 else f'({i + 1})'} {phones}"
            for word in sorted(pronunciations)
            for i, phones in enumerate(pronunciations[word])
        ]
        folder.mkdir(parents=True, exist_ok=True)
        for path, text in ((self.fsg, "\n".join([*lines, "FSG_END"])), (self.dictionary, "\n".join(entries))):
            partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            partial.write_text(text + "\n")
            partial.replace(path)  # atomic: a second hub starting at once never reads half a file

    def _new_decoder(self) -> Any:
        assert Decoder is not None
        try:
            decoder = Decoder(
                hmm=str(self._acoustic),
                dict=str(self.dictionary),
                lm=None,
                fsg=str(self.fsg),
                **DECODER_OPTIONS,
            )
        except (RuntimeError, ValueError, OSError) as err:
            raise AsrError("asr.model", f"pocketsphinx could not load {self._acoustic}: {err}") from err
        with self._lock:
            self._created += 1
        return decoder

    def borrow(self, wait: bool) -> Any | None:
        """An idle decoder (a new one while under the limit); None when all are busy and `wait` is False."""
        try:
            return self._idle.get_nowait()
        except Empty:
            pass
        with self._lock:
            may_create = self._created < self._max_decoders
        if may_create:
            return self._new_decoder()
        if not wait:
            return None
        return self._idle.get()

    def give_back(self, decoder: Any) -> None:
        """Return a decoder to the pool."""
        self._idle.put(decoder)

    def start(self) -> SphinxStream:
        """A stream for one utterance."""
        return SphinxStream(self)

    def close(self) -> None:
        """Drop the idle decoders."""
        while True:
            try:
                self._idle.get_nowait()
            except Empty:
                return


class SphinxStream:
    """One utterance: decodes as audio arrives when a decoder is free, else buffers and catches up."""

    def __init__(self, engine: SphinxEngine) -> None:
        self.engine = engine
        self._decoder: Any | None = None
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._fed = 0
        self._done = False

    def _attach(self, wait: bool) -> bool:
        if self._decoder is None:
            self._decoder = self.engine.borrow(wait)
            if self._decoder is None:
                return False
            self._decoder.start_utt()
            self._decoder.process_raw(LEAD_IN, False, False)
            for chunk in self._pending:
                self._decoder.process_raw(chunk, False, False)
            self._pending.clear()
        return True

    def feed(self, pcm: bytes) -> None:
        """Decode (or buffer) 16 kHz mono PCM16; audio past the utterance limit is dropped."""
        if self._done or not pcm:
            return
        room = self.engine.max_bytes - self._fed
        pcm = pcm[: max(0, room) // 2 * 2]
        if not pcm:
            return
        self._fed += len(pcm)
        if self._attach(wait=False):
            assert self._decoder is not None
            self._decoder.process_raw(pcm, False, False)
        else:
            self._pending.append(pcm)
            self._pending_bytes += len(pcm)

    def partial(self) -> str:
        """The best sentence so far."""
        if self._decoder is None or self._done:
            return ""
        hyp = self._decoder.hyp()
        return str(hyp.hypstr) if hyp is not None else ""

    def finish(self) -> Hypothesis:
        """The final sentence with its score, and distinct runner-up sentences with theirs."""
        if self._done:
            raise RuntimeError("the stream is finished")
        self._attach(wait=True)
        decoder = self._decoder
        assert decoder is not None
        decoder.end_utt()
        self._done = True
        hyp = decoder.hyp()
        if hyp is None or not hyp.hypstr:
            return Hypothesis("", 0.0)
        seen = {hyp.hypstr}
        alternatives: list[tuple[str, float]] = []
        for number, other in enumerate(decoder.nbest()):
            if number >= NBEST:
                break
            if other.hypstr and other.hypstr not in seen:
                seen.add(other.hypstr)
                alternatives.append((str(other.hypstr), _unit(other.score)))
        return Hypothesis(str(hyp.hypstr), _unit(hyp.score), tuple(alternatives))

    def close(self) -> None:
        """Give the decoder back (idempotent)."""
        if self._decoder is not None:
            if not self._done:
                self._decoder.end_utt()
                self._done = True
            self.engine.give_back(self._decoder)
            self._decoder = None
        self._pending.clear()


def _unit(score: float) -> float:
    """pocketsphinx's per-frame path score as a 0-1 confidence (comparable between hypotheses)."""
    return max(0.0, min(1.0, float(score)))
