"""The speech level pocketsphinx normalises by: one cepstral mean shared by all decoders and kept on disk.

pocketsphinx subtracts a running mean of the cepstra ("live CMN") from every frame. The mean is fixed
during an utterance and updated at its end, blended with the last 500 frames' worth of history, so a
decoder that starts far from the speaker's mean hears its first utterances badly: measured over the
real English clips decoded each as a first utterance, 17 of 61 came out word for word from the model's
starting mean against 28 of 61 with a mean adapted over earlier clips. Hence: every utterance starts
from the mean the last one ended with (whichever decoder heard it), the mean survives restarts, and an
utterance that lands far from it is decoded again with its own mean.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from intents.cachefiles import write_atomic

log = logging.getLogger("hearth.asr")

Mean = tuple[float, ...]

# pocketsphinx's live CMN (sphinxbase cmn_live.c): a set mean counts as CMN_WINDOW frames of history, and
# the mean is recomputed mid-utterance once history and new frames pass CMN_UPDATE_AT. Checked against the
# decoder itself: two passes over one clip from different means give back exactly 500 / (500 + N).
CMN_WINDOW = 500
CMN_UPDATE_AT = 800
# Where a level starts with nothing saved: pocketsphinx's own starting mean. The mean of real people's
# commands (59.9, -3.8, -6.3, -11.9, ... averaged over the English clips) started first utterances better
# for them (29 of 61 clips word for word, against 20 from this one with the re-decode below), but it is
# far from other voices: espeak-ng's first commands then failed outright (8 of 70 intents, against 43).
# Neutral, and re-decoded, is safer.
SPEECH_PRIOR: Mean = (40.0, 3.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
# An utterance whose own mean is further than this (Euclidean, in cepstral units) from the one it was
# decoded with is decoded again with its own. Utterance means of one voice spread by about 10-25 across
# the 13 coefficients; a new voice or microphone moves them by 40-60 (espeak-ng against the clips).
REDECODE_DISTANCE = 35.0
# A saved mean is rewritten once the level moved this far from it: not a disk write per command.
SAVE_DISTANCE = 2.0

# pocketsphinx's frames: 25.6 ms windows every 10 ms, after pre-emphasis; frames with no energy to speak of
# (digital silence) are left out of the mean.
_FRAME = 410
_SHIFT = 160
_PREEMPHASIS = 0.97
_SILENT_ENERGY = 10.0


def parse_mean(text: str) -> Mean:
    """A mean as pocketsphinx prints it ("40,3,-1,...") as numbers."""
    return tuple(float(value) for value in text.split(","))


def format_mean(mean: Sequence[float]) -> str:
    """A mean as pocketsphinx's set_cmn takes it."""
    return ",".join(f"{value:.3f}" for value in mean)


def distance(a: Sequence[float], b: Sequence[float]) -> float:
    """Euclidean distance between two means."""
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b, strict=True)))


def voiced_frames(pcm: bytes) -> int:
    """How many of pocketsphinx's frames of this 16 kHz PCM16 audio count towards the cepstral mean."""
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    if len(samples) < _FRAME:
        return 0
    emphasised = np.empty_like(samples)
    emphasised[0] = samples[0]
    emphasised[1:] = samples[1:] - _PREEMPHASIS * samples[:-1]
    count = 1 + (len(samples) - _FRAME) // _SHIFT
    frames = np.lib.stride_tricks.sliding_window_view(emphasised, _FRAME)[::_SHIFT][:count]
    energy = ((frames * np.hamming(_FRAME)) ** 2).sum(axis=1)
    return int((energy > _SILENT_ENERGY).sum())


def utterance_mean(start: Sequence[float], end: Sequence[float], frames: int) -> Mean | None:
    """The utterance's own cepstral mean, from the mean it was decoded with and the one it left behind.

    The decoder ends at (CMN_WINDOW * start + frames * own) / (CMN_WINDOW + frames), so `own` follows.
    None when there were no voiced frames, or so many that the decoder already updated the mean mid-way.
    """
    if frames <= 0 or CMN_WINDOW + frames >= CMN_UPDATE_AT:
        return None
    weight = CMN_WINDOW + frames
    return tuple((weight * e - CMN_WINDOW * s) / frames for s, e in zip(start, end, strict=True))


class SpeechLevel:
    """The latest cepstral mean, shared by an engine's decoders and saved beside its grammar cache."""

    def __init__(self, path: Path | None, model: str, mean: Mean = SPEECH_PRIOR) -> None:
        self.path = path
        self.model = model
        self._mean = mean
        self._saved = mean
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path | None, model: str) -> SpeechLevel:
        """The level saved for this acoustic model, or the prior when there is none (or it is unreadable)."""
        level = cls(path, model)
        if path is None or not path.exists():
            return level
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            mean = tuple(float(v) for v in data["mean"])
            if data.get("model") == model and len(mean) == len(SPEECH_PRIOR):
                level._mean = level._saved = mean
        except (OSError, ValueError, KeyError, TypeError) as err:
            # A lost level only costs the first utterances some accuracy: start from the prior.
            log.warning("ignoring the saved speech level in %s: %s", path, err)
        return level

    @property
    def mean(self) -> Mean:
        """The mean the next utterance starts from."""
        with self._lock:
            return self._mean

    def update(self, mean: Mean) -> None:
        """Remember where an utterance left the mean; saved when it moved far enough from the saved one."""
        with self._lock:
            self._mean = mean
            far = distance(mean, self._saved) >= SAVE_DISTANCE
        if far:
            self.save()

    def save(self) -> None:
        """Write the current mean unless it is the one on disk (best effort: a read-only cache loses it)."""
        with self._lock:
            if self.path is None or self._mean == self._saved:
                return
            mean = self._saved = self._mean
        text = json.dumps({"model": self.model, "mean": [round(v, 3) for v in mean]})
        try:
            write_atomic(self.path, text.encode())
        except OSError as err:
            log.warning("cannot save the speech level to %s: %s", self.path, err)
