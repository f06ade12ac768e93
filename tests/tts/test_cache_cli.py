"""`hearth cache stats|clear`: every layer under the cache folder is listed; clear removes what is asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.cli import main
from assistant.tts.cache import AudioCache, CachedAudio, ReplyCounter, cache_key


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HEARTH_CACHE_DIR", str(tmp_path))
    (tmp_path / "intent-classifier-0123456789abcdef-v1.onnx").write_bytes(b"\0" * 2048)
    AudioCache(tmp_path / "tts", 1 << 20).put(cache_key("v", "Done."), CachedAudio(16000, b"\1\0" * 100))
    counter = ReplyCounter(tmp_path / "tts" / "replies.json")
    counter.record("Done.")
    counter.save()
    return tmp_path


def test_stats_lists_every_layer(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cache", "stats"]) == 0
    out = capsys.readouterr().out
    assert str(root) in out
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert set(lines) == {"classifier", "templates", "recognition", "grammar", "tts"}
    assert "1 files" in lines["classifier"] and "2.0 kB" in lines["classifier"]
    assert "1 files" in lines["tts"]


def test_clear_one_layer_keeps_the_others_and_the_history(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cache", "clear", "tts"]) == 0
    assert "tts: removed 1 file" in capsys.readouterr().out
    assert list((root / "tts").glob("*.pcm")) == []
    assert (root / "tts" / "replies.json").exists()  # what to pre-warm is history, not cache
    assert (root / "intent-classifier-0123456789abcdef-v1.onnx").exists()
    assert main(["cache", "clear"]) == 0
    assert not (root / "intent-classifier-0123456789abcdef-v1.onnx").exists()


def test_clear_unknown_layer_is_an_error(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cache", "clear", "bogus"]) == 2
    assert "bogus" in capsys.readouterr().err
