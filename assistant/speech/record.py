"""Sans-I/O core of `hearth adapt record`: which prompt is next, skip, redo and quit, and checks of takes."""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from .adapt import AdaptationError, spoken_words
from .asr import SAMPLE_RATE, SAMPLE_WIDTH, VadSettings
from .endpoint import EndReason, NoSpeech, Segment, Segmenter, SpeechAudio, SpeechEnded

LISTING = "prompts.tsv"  # one line per recording: <file.wav><TAB><words said>
MARGIN_MS = 300  # audio kept before the speech starts and after it ends
MAX_TAKE_S = 10.0  # a take is cut once its speech runs this long: no prompt takes that long to read
NO_SPEECH_S = 6.0  # a take without speech this long after Enter ends as "no speech heard"
# Readers pause for breath in the middle of a sentence: the hub's longest trailing silence (1 s) ends a take.
TRAILING_SILENCE = "relaxed"
QUIET_PEAK = 1000  # about -30 dBFS: a take that never gets this loud is too quiet
QUIET_RMS = 100  # about -50 dBFS over the whole take
CLIP_LEVEL = 32440  # 99% of full scale: a sample this loud was (nearly) clipped
CLIPPED_FRACTION = 0.001  # more than 0.1% of the samples at full scale is a clipped take
_BYTES_PER_MS = SAMPLE_RATE * SAMPLE_WIDTH // 1000
_NUMBERED = re.compile(r"(\d+)\.wav", re.IGNORECASE)

NO_SPEECH = "no speech heard, try again"
HINT = "Enter records the sentence, s skips it, r redoes the last recording, q quits"
KEEP_HINT = "Enter tries again, k keeps this take anyway, s skips the sentence"


# ------------------------------------------------------------------------------------------ listing


@dataclass(frozen=True, slots=True)
class ListingEntry:
    """One line of prompts.tsv: a recording's file name and the words said in it."""

    name: str
    text: str
    row: int = field(default=0, compare=False)  # its line number in the file (0: not read from one)

    @property
    def line(self) -> str:
        """The entry as a line of prompts.tsv."""
        return listing_line(self.name, self.text)


def listing_line(name: str, text: str) -> str:
    """`name<TAB>text` and a newline, the text on one line."""
    return f"{name}\t{' '.join(text.split())}\n"


def parse_listing(text: str, source: str = LISTING) -> list[ListingEntry]:
    """The entries of a prompts.tsv; a line that is not <file.wav><TAB><words said> is an AdaptationError."""
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        name, tab, said = line.partition("\t")
        if not tab or not name.strip() or not said.strip():
            raise AdaptationError(f"{source}:{number}: expected <file.wav><TAB><words said>")
        entries.append(ListingEntry(name.strip(), said.strip(), number))
    return entries


def next_number(names: Iterable[str]) -> int:
    """The number of the next NNN.wav: one past the highest numbered name (1 when there is none)."""
    numbers = [int(m.group(1)) for name in names if (m := _NUMBERED.fullmatch(name))]
    return max(numbers, default=0) + 1


# -------------------------------------------------------------------------------------------- takes


@dataclass(frozen=True, slots=True)
class Take:
    """One attempt at a sentence: 16 kHz mono PCM16 (MARGIN_MS around the speech) and how it ended."""

    pcm: bytes
    ended: EndReason | None  # None: no speech was heard

    @property
    def seconds(self) -> float:
        """The take's length."""
        return len(self.pcm) / (SAMPLE_RATE * SAMPLE_WIDTH)


def take_settings(hub: VadSettings) -> VadSettings:
    """The hub's VAD settings (its threshold) with the endpoints of a read sentence."""
    return replace(
        hub, trailing_silence=TRAILING_SILENCE, max_seconds=MAX_TAKE_S, no_speech_seconds=NO_SPEECH_S
    )


class TakeCapture:
    """Endpoints one take with the hub's Segmenter: feed microphone audio until `feed` says it is done."""

    def __init__(self, settings: VadSettings, probability: Callable[[bytes], list[float]]) -> None:
        self._segmenter = Segmenter(take_settings(settings), probability, pre_roll_ms=MARGIN_MS)
        self._audio: list[bytes] = []
        self._take: Take | None = None

    @property
    def take(self) -> Take | None:
        """The finished take (None while it goes on)."""
        return self._take

    def feed(self, pcm: bytes) -> bool:
        """More 16 kHz PCM16 from the microphone; True once the take is over."""
        if self._take is None:
            self._segments(self._segmenter.feed(pcm))
        return self._take is not None

    def end(self) -> Take:
        """The take as it stands, ended here if still going (the microphone stopped)."""
        if self._take is None:
            self._segments(self._segmenter.end())
        assert self._take is not None  # the segmenter always ends (or reports no speech) on end()
        return self._take

    def _segments(self, segments: Sequence[Segment]) -> None:
        for segment in segments:
            if isinstance(segment, SpeechAudio):
                self._audio.append(segment.pcm)
            elif isinstance(segment, SpeechEnded):
                pcm = b"".join(self._audio)
                extra = max(0, segment.silence_ms - MARGIN_MS) * _BYTES_PER_MS
                self._take = Take(pcm[: len(pcm) - extra], segment.reason)
            elif isinstance(segment, NoSpeech):
                self._take = Take(b"", None)


ProblemKind = Literal["no-speech", "cut", "quiet", "clipped"]


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a take is not good enough, and whether the speaker may keep it anyway."""

    kind: ProblemKind
    message: str

    @property
    def keepable(self) -> bool:
        """A quiet or clipped take still holds the whole sentence; no speech or a cut one does not."""
        return self.kind in ("quiet", "clipped")


def _dbfs(level: float) -> float:
    return 20 * math.log10(max(level, 1.0) / 32768)


def check_take(take: Take) -> Problem | None:
    """What is wrong with a take: no speech, cut at MAX_TAKE_S, too quiet or clipped (None: it is fine)."""
    if take.ended is None or not take.pcm:
        return Problem("no-speech", NO_SPEECH)
    if take.ended == "max-length":
        return Problem(
            "cut",
            f"the take ran past {MAX_TAKE_S:.0f} s and was cut: read the sentence, then stop, try again",
        )
    samples = np.frombuffer(take.pcm[: len(take.pcm) - len(take.pcm) % SAMPLE_WIDTH], "<i2")
    magnitude = np.abs(samples.astype(np.int32))
    peak = int(magnitude.max())
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    if peak < QUIET_PEAK or rms < QUIET_RMS:
        return Problem(
            "quiet",
            f"too quiet (peak {_dbfs(peak):.0f} dBFS, level {_dbfs(rms):.0f} dBFS): "
            "speak up, move closer or raise the microphone's input level",
        )
    clipped = float(np.mean(magnitude >= CLIP_LEVEL))
    if clipped > CLIPPED_FRACTION:
        return Problem(
            "clipped",
            f"clipped ({100 * clipped:.1f}% of the samples at full scale): "
            "speak softer, move back or lower the microphone's input level",
        )
    return None


# ------------------------------------------------------------------------------------------ session


@dataclass(frozen=True, slots=True)
class Show:
    """A line for the speaker."""

    line: str


@dataclass(frozen=True, slots=True)
class Record:
    """Record a take of this sentence now."""

    number: int
    text: str


@dataclass(frozen=True, slots=True)
class Save:
    """Write this take to `name` (atomically); when `new`, then append its line to prompts.tsv."""

    name: str
    text: str
    pcm: bytes = field(repr=False)
    new: bool

    @property
    def line(self) -> str:
        """Its line of prompts.tsv."""
        return listing_line(self.name, self.text)


FinishReason = Literal["complete", "quit", "out-of-prompts"]


@dataclass(frozen=True, slots=True)
class Finish:
    """The session is over."""

    reason: FinishReason


Step = Show | Record | Save | Finish


def _key(text: str) -> str:
    return " ".join(spoken_words(text))


class RecordSession:
    """Which sentence comes next and what each key and take leads to, free of audio devices and files.

    `recorded` is what the folder's prompts.tsv already lists (the session goes on from there, up to
    `count` recordings in all); `prompts` are the sentences to offer, in order (those already recorded
    are passed over); `names` are the files already in the folder, so a new NNN.wav never overwrites one.
    """

    def __init__(
        self,
        prompts: Sequence[str],
        recorded: Sequence[ListingEntry],
        count: int,
        names: Iterable[str] = (),
    ) -> None:
        self.count = count
        self.recorded = list(recorded)
        self.added = 0  # recordings made in this session (redos not counted)
        self.skipped = 0
        self.finished: Finish | None = None
        seen = {_key(entry.text) for entry in recorded}
        self._queue: deque[str] = deque()
        for prompt in prompts:  # in order, each sentence once, none already recorded
            key = _key(prompt)
            if key and key not in seen:
                seen.add(key)
                self._queue.append(" ".join(prompt.split()))
        self._number = next_number([*names, *(entry.name for entry in recorded)])
        self._redo: int | None = None  # the index in `recorded` being recorded again
        self._rejected: Take | None = None  # a quiet or clipped take the speaker may keep

    # ---- what is shown ---------------------------------------------------------------------------------

    @property
    def remaining(self) -> int:
        """How many recordings are still to make."""
        return max(0, self.count - len(self.recorded))

    def target(self) -> tuple[int, str, str] | None:
        """(number, file name, sentence) of what Enter records now, or None when there is nothing."""
        if self._redo is not None:
            entry = self.recorded[self._redo]
            return self._redo + 1, entry.name, entry.text
        if not self._queue or not self.remaining:
            return None
        return len(self.recorded) + 1, f"{self._number:03d}.wav", self._queue[0]

    def prompt_line(self) -> str:
        """The sentence to read, numbered ("3/30  turn on the lamp"); a redo names the file it replaces."""
        target = self.target()
        if target is None:
            return ""
        number, name, text = target
        width = len(str(self.count))
        line = f"{number:>{width}}/{self.count}  {text}"
        return f"{line}   (again, replacing {name})" if self._redo is not None else line

    def summary(self) -> str:
        """What the session recorded, and how it ended, for its last line."""
        skipped = f", {self.skipped} skipped" if self.skipped else ""
        done = f"{self.added} recorded now{skipped}; {len(self.recorded)} of {self.count} in all"
        reason = self.finished.reason if self.finished else "quit"
        if reason == "complete":
            return f"{done}. All recorded."
        if reason == "out-of-prompts":
            return f"{done}. No sentences left to offer: run the command again for new ones."
        return f"{done}. Run the same command again to go on where you stopped."

    # ---- what happens --------------------------------------------------------------------------------

    def start(self) -> list[Step]:
        """The first lines and prompt (or the end, when the folder already holds `count` recordings)."""
        if not self.remaining:
            return self._finish("complete")
        intro = f"Read each sentence aloud after pressing Enter; recording stops when you stop. {HINT}."
        return [Show(intro), *self._prompt()]

    def key(self, line: str) -> list[Step]:
        """A line typed at the prompt: Enter records, s skips, r redoes the last one, k keeps, q quits."""
        if self.finished is not None:
            return []
        command = line.strip().lower()
        if command == "":
            target = self.target()
            assert target is not None  # a session with nothing to record has finished
            return [Show("  listening..."), Record(target[0], target[2])]
        if command == "q":
            return self._finish("quit")
        if command == "s":
            self._rejected = None
            if self._redo is not None:
                self._redo = None
                return [Show("  not recorded again"), *self._prompt()]
            self._queue.popleft()
            self.skipped += 1
            return [Show("  skipped"), *self._prompt()]
        if command == "r":
            self._rejected = None
            if not self.recorded:
                return [Show("  nothing recorded yet to redo"), *self._prompt()]
            self._redo = len(self.recorded) - 1
            return self._prompt()
        if command == "k" and self._rejected is not None:
            return [self._save(self._rejected)]
        return [Show(f"  {line.strip()!r}? {KEEP_HINT if self._rejected else HINT}")]

    def took(self, take: Take) -> list[Step]:
        """A take of the current sentence ended: save it, or say what is wrong and offer a retake."""
        problem = check_take(take)
        if problem is None:
            self._rejected = None
            return [self._save(take)]
        self._rejected = take if problem.keepable else None
        hint = KEEP_HINT if problem.keepable else "Enter tries again, s skips the sentence"
        return [Show(f"  {problem.message}"), Show(f"  {hint}"), *self._prompt()]

    def saved(self, save: Save) -> list[Step]:
        """The adapter wrote `save` (its wav, then its line): move on to the next sentence."""
        self._rejected = None
        if save.new:
            self.recorded.append(ListingEntry(save.name, save.text))
            self.added += 1
            self._queue.popleft()
            self._number += 1
        else:
            self._redo = None
        seconds = len(save.pcm) / (SAMPLE_RATE * SAMPLE_WIDTH)
        again = "" if save.new else ", replacing the earlier take"
        return [Show(f"  saved {save.name} ({seconds:.1f} s{again})"), *self._prompt()]

    def _save(self, take: Take) -> Save:
        target = self.target()
        assert target is not None
        _, name, text = target
        return Save(name, text, take.pcm, new=self._redo is None)

    def _prompt(self) -> list[Step]:
        if not self.remaining:
            return self._finish("complete")
        if self.target() is None:
            return self._finish("out-of-prompts")
        return [Show(self.prompt_line())]

    def _finish(self, reason: FinishReason) -> list[Step]:
        self.finished = Finish(reason)
        return [self.finished]
