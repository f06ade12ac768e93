"""The shared speech level: the utterance's own cepstral mean, voiced frames, and the level kept on disk."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from assistant.speech.level import (
    CMN_WINDOW,
    SPEECH_PRIOR,
    SpeechLevel,
    distance,
    format_mean,
    parse_mean,
    utterance_mean,
    voiced_frames,
)


def test_a_mean_reads_back_as_pocketsphinx_prints_it() -> None:
    assert parse_mean("40,3,-1") == (40.0, 3.0, -1.0)
    assert parse_mean(format_mean((59.9, -3.8, 0.5))) == (59.9, -3.8, 0.5)
    assert distance((0.0, 3.0), (4.0, 0.0)) == 5.0


def test_digital_silence_has_no_voiced_frames_and_sound_has_one_per_10_ms() -> None:
    assert voiced_frames(bytes(32000)) == 0
    assert voiced_frames(b"") == 0
    noise = np.random.default_rng(1).integers(-3000, 3000, 16000, dtype=np.int16)
    # One second: (16000 - 410) // 160 + 1 frames of 410 samples every 160.
    assert voiced_frames(noise.tobytes()) == 98
    half = np.concatenate([np.zeros(8000, np.int16), noise[:8000]])
    assert 45 <= voiced_frames(half.tobytes()) <= 50


def test_the_utterance_mean_undoes_the_decoders_blend_with_its_history() -> None:
    start, own, frames = (40.0, 3.0, -1.0), (64.0, -4.0, 30.0), 165
    end = tuple(
        (CMN_WINDOW * s + frames * o) / (CMN_WINDOW + frames) for s, o in zip(start, own, strict=True)
    )
    assert utterance_mean(start, end, frames) == pytest.approx(own)


def test_no_utterance_mean_without_voiced_frames_or_past_the_decoders_own_update() -> None:
    assert utterance_mean((40.0,), (40.0,), 0) is None
    # 300 more frames make the decoder recompute its mean mid-utterance: the blend no longer says it.
    assert utterance_mean((40.0,), (50.0,), 300) is None
    assert utterance_mean((40.0,), (50.0,), 299) is not None


def test_the_level_starts_from_the_prior_and_is_saved_for_the_same_model(tmp_path: Path) -> None:
    path = tmp_path / "level.json"
    level = SpeechLevel.load(path, "model-a")
    assert level.mean == SPEECH_PRIOR and not path.exists()
    level.save()  # nothing heard: nothing to keep
    assert not path.exists()
    heard = tuple(v + 0.3 for v in SPEECH_PRIOR)  # a small move: not worth a write yet
    level.update(heard)
    assert level.mean == heard and not path.exists()
    louder = tuple(v + 5.0 for v in SPEECH_PRIOR)
    level.update(louder)
    assert SpeechLevel.load(path, "model-a").mean == pytest.approx(louder)
    # Another acoustic model's cepstra mean something else: it starts from the prior.
    assert SpeechLevel.load(path, "model-b").mean == SPEECH_PRIOR


def test_a_damaged_level_file_is_ignored_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "level.json"
    for content in ("{not json", json.dumps({"model": "m", "mean": [1, 2]}), json.dumps({"mean": "x"})):
        path.write_text(content)
        with caplog.at_level(logging.WARNING, logger="hearth.asr"):
            assert SpeechLevel.load(path, "m").mean == SPEECH_PRIOR
    assert "ignoring the saved speech level" in caplog.text


def test_a_level_that_cannot_be_written_is_only_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    level = SpeechLevel(blocker / "level.json", "m")
    with caplog.at_level(logging.WARNING, logger="hearth.asr"):
        level.update(tuple(v + 5.0 for v in SPEECH_PRIOR))
    assert "cannot save the speech level" in caplog.text
