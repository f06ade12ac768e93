"""The `llm:` section and per-client `areas:` of hearth.yaml: read, and every mistake located."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.config import load_config
from assistant.yamlpos import ConfigError, ConfigProblem

SAMPLE = Path(__file__).resolve().parents[2] / "config"
SECTION = """
llm:
  url: http://127.0.0.1:8080/v1
  model: qwen2.5-7b-instruct
  api_key: !secret llm_key
  timeout: 12
  max_tokens: 300
  system_prompt: Call the user Sam.
"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(SAMPLE, target)
    (target / "secrets.yaml").write_text("llm_key: sk-test-0123456789\n")
    return target


def _append(home: Path, text: str) -> int:
    """Append to hearth.yaml; return the line number of the first appended line."""
    path = home / "hearth.yaml"
    before = path.read_text()
    path.write_text(before + text)
    return before.count("\n") + 2  # the appended text starts with a blank line


def _problems(home: Path) -> list[ConfigProblem]:
    with pytest.raises(ConfigError) as info:
        load_config(home)
    return info.value.problems


def test_section_is_read_and_the_key_stays_secret(home: Path) -> None:
    _append(home, SECTION)
    llm = load_config(home).llm
    assert llm is not None
    assert (llm.url, llm.model, llm.timeout, llm.max_tokens, llm.max_tool_rounds) == (
        "http://127.0.0.1:8080/v1",
        "qwen2.5-7b-instruct",
        12.0,
        300,
        4,
    )
    assert llm.endpoint == "http://127.0.0.1:8080/v1/chat/completions"
    assert llm.api_key == "sk-test-0123456789"
    assert llm.system_prompt == "Call the user Sam."
    assert "sk-test" not in repr(llm) and "sk-test" not in repr(load_config(home))


def test_without_the_section_there_is_no_model() -> None:
    assert load_config(SAMPLE).llm is None


def test_key_from_the_environment(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTH_TEST_LLM_KEY", "sk-env-key")
    _append(home, SECTION.replace("!secret llm_key", "!env HEARTH_TEST_LLM_KEY"))
    llm = load_config(home).llm
    assert llm is not None and llm.api_key == "sk-env-key"


@pytest.mark.parametrize(
    ("old", "new", "key", "words"),
    [
        ("http://127.0.0.1:8080/v1", "ftp://127.0.0.1/v1", "llm.url", "http"),
        ("http://127.0.0.1:8080/v1", "http://user:pw@host/v1", "llm.url", "api_key"),
        ("timeout: 12", "timeout: -1", "llm.timeout", "greater than zero"),
        ("max_tokens: 300", "max_tokens: lots", "llm.max_tokens", "integer"),
        ("max_tokens: 300", "max_tool_rounds: 99", "llm.max_tool_rounds", "between 0 and 16"),
        ("max_tokens: 300", "temprature: 0.2", "llm.temprature", "unknown key"),
        ("  model: qwen2.5-7b-instruct\n", "", "llm", "missing key 'model'"),
        ("!secret llm_key", "!secret missing_key", "", "secret 'missing_key' is not defined"),
    ],
)
def test_mistakes_name_file_line_and_key(home: Path, old: str, new: str, key: str, words: str) -> None:
    first = _append(home, SECTION.replace(old, new))
    problems = _problems(home)
    assert len(problems) == 1, problems
    problem = problems[0]
    assert problem.file.endswith("hearth.yaml") and words in problem.message
    if key:
        assert problem.key == key
        assert first <= problem.line <= first + 7


def test_client_areas_are_read_and_checked(home: Path) -> None:
    path = home / "hearth.yaml"
    text = path.read_text()
    path.write_text(
        text.replace("      area: kitchen\n", "      area: kitchen\n      areas: [kitchen, hallway]\n", 1)
    )
    kitchen = next(c for c in load_config(home).hub.clients if c.name == "kitchen-pi")
    assert kitchen.areas == frozenset({"kitchen", "hallway"})
    assert kitchen.may_control("hallway") and not kitchen.may_control("garage")
    phone = next(c for c in load_config(home).hub.clients if c.name == "phone")
    assert phone.areas is None and phone.may_control(None)
    path.write_text(
        text.replace("      area: kitchen\n", "      area: kitchen\n      areas: [kitchen, attic]\n", 1)
    )
    (problem,) = _problems(home)
    assert problem.key == "hub.clients[0].areas[1]" and "unknown area 'attic'" in problem.message
