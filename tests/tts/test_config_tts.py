"""The `tts:` section of hearth.yaml: defaults, and every mistake reported at its file, line and key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.config import load_config
from assistant.yamlpos import ConfigError, ConfigProblem
from tests.tts.tiny_piper import build_voice

SAMPLE = Path(__file__).resolve().parents[2] / "config"


def home(tmp_path: Path, tts: str | None) -> Path:
    """The sample home with its tts section replaced (or removed when `tts` is None)."""
    target = tmp_path / "config"
    shutil.copytree(SAMPLE, target)
    text = (target / "hearth.yaml").read_text()
    head = text[: text.index("\ntts:\n")]
    (target / "hearth.yaml").write_text(head + ("" if tts is None else f"\ntts:\n{tts}"))
    return target


def problems(directory: Path) -> list[ConfigProblem]:
    with pytest.raises(ConfigError) as info:
        load_config(directory)
    return info.value.problems


def test_sample_speaks_with_espeak_and_no_section_means_text_only(tmp_path: Path) -> None:
    assert load_config(SAMPLE).tts.engine == "espeak-ng"
    settings = load_config(home(tmp_path, None)).tts
    assert (settings.engine, settings.voice, settings.cache_mb, settings.prewarm) == ("none", None, 64, 32)


def test_piper_voice_is_resolved_beside_hearth_yaml(tmp_path: Path) -> None:
    directory = home(tmp_path, "  engine: piper\n  voice: voices/tiny.onnx\n  speed: 1.5\n")
    build_voice(directory / "voices")
    settings = load_config(directory).tts
    assert settings.voice == str((directory / "voices" / "tiny.onnx").resolve())
    assert settings.speed == 1.5


def test_piper_without_voice_says_what_to_put_there(tmp_path: Path) -> None:
    [problem] = problems(home(tmp_path, "  engine: piper\n"))
    assert problem.key == "tts" and "'voice'" in problem.message and ".onnx" in problem.message


def test_voice_without_its_json_is_reported_at_its_line(tmp_path: Path) -> None:
    directory = home(tmp_path, "  engine: piper\n  voice: tiny.onnx\n")
    build_voice(directory).with_name("tiny.onnx.json").unlink()
    [problem] = problems(directory)
    assert problem.key == "tts.voice" and ".onnx.json" in problem.message
    lines = (directory / "hearth.yaml").read_text().splitlines()
    assert lines[problem.line - 1].strip() == "voice: tiny.onnx"


@pytest.mark.parametrize(
    ("yaml", "key"),
    [
        ("  engine: festival\n", "tts.engine"),
        ("  engine: none\n  speed: 9\n", "tts.speed"),
        ("  engine: none\n  cache_mb: -1\n", "tts.cache_mb"),
        ("  engine: none\n  prewarm: lots\n", "tts.prewarm"),
        ("  engine: none\n  voices: x\n", "tts.voices"),
    ],
)
def test_bad_values_name_their_key(tmp_path: Path, yaml: str, key: str) -> None:
    [problem] = problems(home(tmp_path, yaml))
    assert problem.key == key
