"""Speech test data: the clip manifest, wav reading, synthesis with espeak-ng + sox, the synthesis list."""

from __future__ import annotations

import shutil
import wave
from pathlib import Path

import numpy as np
import pytest

from assistant.config import load_config
from assistant.evaluate import grade
from assistant.pipeline import build_understander
from assistant.speech.audio import AudioFormat
from assistant.speech.corpus import (
    Clip,
    CorpusError,
    SpeechToolMissing,
    load_manifest,
    load_sentences,
    load_synth_set,
    read_wav,
    synthesize,
)
from assistant.understanding import target_types
from intents.followup import DEVICELESS, QUERY_INTENTS
from intents.targets import Targets, resolve_targets

from .conftest import Synth, require_speech_tools

ROOT = Path(__file__).resolve().parents[2]
HEADER = "file\ttranscript\tlanguage\tsample_rate_hz\tchannels\tduration_s\n"


def write_wav(path: Path, width: int, rate: int = 16000, channels: int = 1, frames: int = 160) -> Path:
    with wave.open(str(path), "wb") as handle:
        handle.setsampwidth(width)
        handle.setframerate(rate)
        handle.setnchannels(channels)
        handle.writeframes(b"\1" * width * channels * frames)
    return path


# --- manifest and wav files ---


def test_the_english_clips_match_their_files(english_clips: list[Clip]) -> None:
    assert len(english_clips) == 61
    assert {c.source for c in english_clips} == {
        "speech-to-phrase",
        "rhasspy-speech",
        "rhasspy3",
        "rhasspy-test",
    }
    for clip in english_clips:
        fmt, data = read_wav(clip.path)
        assert fmt == AudioFormat(clip.rate, 2, clip.channels), clip.path
        assert abs(len(data) / fmt.frame_bytes / fmt.rate - clip.duration_s) < 0.01, clip.path
        assert clip.transcript and clip.language == "en"


def test_manifest_language_filter_and_errors(tmp_path: Path) -> None:
    rows = "a.wav\thello\ten\t16000\t1\t1.0\nb.wav\thallo\tde\t16000\t1\t1.5\n"
    (tmp_path / "MANIFEST.tsv").write_text(HEADER + rows)
    assert [c.transcript for c in load_manifest(tmp_path)] == ["hello"]
    assert [c.language for c in load_manifest(tmp_path, "de")] == ["de"]
    assert len(load_manifest(tmp_path, None)) == 2
    assert load_manifest(tmp_path)[0].path == tmp_path / "a.wav"
    (tmp_path / "MANIFEST.tsv").write_text(HEADER + "a.wav\thello\ten\tfast\t1\t1.0\n")
    with pytest.raises(CorpusError, match="line 2"):
        load_manifest(tmp_path)
    (tmp_path / "MANIFEST.tsv").write_text("file\ttranscript\n" + "a.wav\thello\n")
    with pytest.raises(CorpusError, match="language"):
        load_manifest(tmp_path)
    with pytest.raises(CorpusError, match="cannot read"):
        load_manifest(tmp_path / "missing")


def test_read_wav_takes_pcm16_only(tmp_path: Path) -> None:
    fmt, data = read_wav(write_wav(tmp_path / "ok.wav", 2, 44100, 2))
    assert fmt == AudioFormat(44100, 2, 2) and len(data) == 160 * 4
    with pytest.raises(CorpusError, match="8-bit"):
        read_wav(write_wav(tmp_path / "u8.wav", 1))
    (tmp_path / "junk.wav").write_bytes(b"RIFF0000WAVEjunk")
    with pytest.raises(CorpusError, match=r"junk\.wav"):
        read_wav(tmp_path / "junk.wav")


# --- synthesis ---


def test_synthesis_is_padded_16k_pcm16(synth: Synth) -> None:
    pcm = synth("turn on the kitchen light", pad_s=0.3)
    samples = np.frombuffer(pcm, "<i2")
    assert 1.0 < len(samples) / 16000 < 3.0
    assert not samples[:4800].any() and not samples[-4800:].any()  # digital silence: sox must not dither
    assert np.abs(samples).max() > 5000


def test_synthesis_is_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_speech_tools()
    first = synthesize("lock the front door", cache_dir=tmp_path)
    assert len(list(tmp_path.iterdir())) == 1
    monkeypatch.setattr(shutil, "which", lambda _name: None)  # a second call runs no program
    assert synthesize("lock the front door", cache_dir=tmp_path) == first
    with pytest.raises(SpeechToolMissing):
        synthesize("lock the front door", speed=150, cache_dir=tmp_path)  # another key: not cached


@pytest.mark.parametrize("program", ["espeak-ng", "sox"])
def test_a_missing_tool_names_its_debian_package(monkeypatch: pytest.MonkeyPatch, program: str) -> None:
    real = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name: None if name == program else real(name))
    with pytest.raises(SpeechToolMissing) as caught:
        synthesize("hello")
    assert caught.value.package == program
    assert f"Debian package {program}" in str(caught.value)


def test_a_synthesis_failure_is_an_error(synth: Synth) -> None:
    with pytest.raises(CorpusError, match=r"sox failed: .*pad"):
        synth("hello", pad_s=-1)


# --- the synthesis list ---


def test_the_synthesis_list_is_understood_by_the_sample_home(speech_dir: Path) -> None:
    commands = load_synth_set(speech_dir / "synth_en.yaml")
    assert len(commands) >= 60
    assert len({c.text for c in commands}) == len(commands)
    config = load_config(ROOT / "config")
    device_ids = {d.id for d in config.devices.devices}
    understander = build_understander(config)
    for command in commands:
        assert set(command.targets) <= device_ids, command.text
        understood = understander.understand(command.text, [], command.area)
        targets = [
            Targets()
            if m.intent in DEVICELESS
            else resolve_targets(m, understander.index, command.area, types=target_types(m.intent))
            for m in understood.matches
        ]
        verdict, got = grade(dict(command.expect), understood, targets)
        assert (verdict, understood.layer) == ("exact", "template"), f"{command.text!r}: {got}"


def test_the_sentences_for_no_command_are_not_understood_when_typed(speech_dir: Path) -> None:
    # They measure what speech nobody meant for the home turns into: none may be a command of it as written.
    sentences = load_sentences(speech_dir / "synth_none_en.yaml")
    assert len(sentences) >= 25 and len(set(sentences)) == len(sentences)
    config = load_config(ROOT / "config")
    understander = build_understander(config)
    for sentence in sentences:
        understood = understander.understand(sentence, [], None)
        acts = [
            m
            for m in understood.matches
            if m.intent not in DEVICELESS | QUERY_INTENTS
            and resolve_targets(m, understander.index, None, types=target_types(m.intent)).ids
        ]
        assert not acts, f"{sentence!r} would act: {acts}"


def test_a_malformed_sentence_list_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "none.yaml"
    path.write_text("sentences: [hello, '']\n")
    with pytest.raises(CorpusError, match="sentences"):
        load_sentences(path)
    path.write_text("sentences: [\n")
    with pytest.raises(CorpusError, match="cannot read"):
        load_sentences(path)


def test_a_malformed_synthesis_list_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "synth.yaml"
    path.write_text("commands:\n  - text: hi\n    expect: {targets: [tv]}\n")
    with pytest.raises(CorpusError, match="no expected intent"):
        load_synth_set(path)
    path.write_text("- text: hi\n")
    with pytest.raises(CorpusError, match="commands"):
        load_synth_set(path)
    path.write_text("commands: [{text: hi, expect: {intent: get_time}, area: kitchen}]\n")
    [command] = load_synth_set(path)
    assert (command.intent, command.targets, dict(command.slots), command.area) == (
        "get_time",
        (),
        {},
        "kitchen",
    )
