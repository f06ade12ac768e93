"""TTS engines: piper's real code path on the tiny voice, espeak-ng streaming, start-up errors."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from assistant.tts.engine import PCM16, TtsError, TtsSettings, build_engine, split_sentences
from tests.tts.conftest import require_espeak, require_piper
from tests.tts.tiny_piper import SAMPLE_RATE, build_voice

TWO_SENTENCES = "Turned on the kitchen light. It is twenty degrees in the living room."


def test_split_sentences() -> None:
    assert split_sentences("Done. Is that all? Yes!  ") == ["Done.", "Is that all?", "Yes!"]
    assert split_sentences("   ") == []


def test_none_engine_speaks_nothing() -> None:
    assert build_engine(TtsSettings(engine="none")) is None


def test_unknown_engine_names_the_key() -> None:
    with pytest.raises(TtsError) as info:
        build_engine(TtsSettings(engine="festival"))
    assert info.value.key == "tts.engine"


def test_piper_streams_one_chunk_per_sentence(tiny_voice: Path) -> None:
    engine = build_engine(TtsSettings(engine="piper", voice=str(tiny_voice)))
    assert engine is not None
    assert (engine.name, engine.format, engine.rate) == ("piper", PCM16, SAMPLE_RATE)
    calls: list[list[int]] = []
    run = engine.voice.phoneme_ids_to_audio  # type: ignore[attr-defined]

    def spy(ids: list[int], *args: object, **kwargs: object) -> object:
        calls.append(ids)
        return run(ids, *args, **kwargs)

    engine.voice.phoneme_ids_to_audio = spy  # type: ignore[attr-defined]
    stream = engine.synthesize(TWO_SENTENCES)
    first = next(stream)
    # The first sentence's audio is out before the second sentence was synthesised at all.
    assert len(calls) == 1
    rest = list(stream)
    assert len(calls) == 2 and len(rest) == 1
    for chunk in (first, *rest):
        assert len(chunk) > 0 and len(chunk) % 2 == 0
    assert any(chunk != b"\0" * len(chunk) for chunk in (first, *rest))


def test_piper_voice_id_changes_with_speed(tiny_voice: Path) -> None:
    slow = build_engine(TtsSettings(engine="piper", voice=str(tiny_voice), speed=0.5))
    normal = build_engine(TtsSettings(engine="piper", voice=str(tiny_voice)))
    assert slow is not None and normal is not None
    # Cached audio of one pace is never served for another.
    assert slow.voice_id != normal.voice_id


@pytest.mark.parametrize("problem", ["unset", "missing", "no-json", "garbage", "bad-json"])
def test_bad_piper_voice_is_a_clear_error_naming_tts_voice(tmp_path: Path, problem: str) -> None:
    require_piper()
    voice = build_voice(tmp_path)
    if problem == "missing":
        voice = tmp_path / "nope.onnx"
    elif problem == "no-json":
        voice.with_name(voice.name + ".json").unlink()
    elif problem == "garbage":
        voice.write_bytes(b"not an onnx model")
    elif problem == "bad-json":
        voice.with_name(voice.name + ".json").write_text(json.dumps({"audio": {}}))
    with pytest.raises(TtsError) as info:
        build_engine(TtsSettings(engine="piper", voice=None if problem == "unset" else str(voice)))
    assert info.value.key == "tts.voice"
    assert ".onnx" in info.value.message


def test_espeak_streams_pcm_while_speaking(espeak: None) -> None:
    engine = build_engine(TtsSettings(engine="espeak-ng"))
    assert engine is not None
    assert engine.format == PCM16 and engine.rate == 22050
    chunks = list(engine.synthesize(TWO_SENTENCES))
    assert len(chunks) > 1  # read as espeak-ng writes, not once at the end
    assert all(len(c) % 2 == 0 for c in chunks)
    assert sum(map(len, chunks)) > engine.rate  # more than half a second of speech


def test_espeak_stopped_early_ends_its_process(espeak: None, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = build_engine(TtsSettings(engine="espeak-ng"))
    assert engine is not None
    started: list[subprocess.Popen[bytes]] = []
    popen = subprocess.Popen

    def spy(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        process = popen(*args, **kwargs)
        started.append(process)
        return process

    monkeypatch.setattr(subprocess, "Popen", spy)
    stream = engine.synthesize(TWO_SENTENCES * 20)
    next(stream)
    stream.close()  # what a barge-in does: the generator stops espeak-ng on the way out
    [process] = started
    assert process.returncode is not None  # reaped, not left speaking to nobody


def test_unknown_espeak_voice_is_a_start_up_error() -> None:
    require_espeak()
    with pytest.raises(TtsError) as info:
        build_engine(TtsSettings(engine="espeak-ng", voice="xx-nonexistent"))
    assert info.value.key == "tts.voice"
    assert "xx-nonexistent" in info.value.message
