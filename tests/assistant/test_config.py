"""Config loading: the sample home is valid, and every error names file, line and key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.config import load_config
from assistant.yamlpos import ConfigError, ConfigProblem
from devices.model import DeviceType

SAMPLE = Path(__file__).resolve().parents[2] / "config"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(SAMPLE, target)
    return target


def problems_of(directory: Path) -> list[ConfigProblem]:
    with pytest.raises(ConfigError) as info:
        load_config(directory)
    return info.value.problems


def replace(path: Path, old: str, new: str) -> int:
    """Replace text in a config file; return the 1-based line where it was."""
    text = path.read_text()
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1))
    return line


def test_sample_home_is_valid_and_covers_every_device_type() -> None:
    config = load_config(SAMPLE)
    devices = config.devices.devices
    assert len(devices) >= 15
    assert len(config.devices.areas) >= 5
    assert {d.type for d in devices} == set(DeviceType)
    assert {d.protocol.value for d in devices} == {"zigbee2mqtt", "tasmota", "generic"}
    assert config.hub.host == "127.0.0.1" and config.hub.port == 8765
    assert config.mqtt.managed
    assert "good_morning" in config.intents.intent_names()


def test_token_is_not_shown_in_reprs() -> None:
    config = load_config(SAMPLE)
    assert config.hub.clients[0].token not in repr(config)


def test_unknown_key_names_file_line_key_and_suggests(home: Path) -> None:
    line = replace(home / "hearth.yaml", "  listen:", "  lisen:")
    [problem] = problems_of(home)
    assert problem.file.endswith("hearth.yaml")
    assert problem.line == line
    assert problem.key == "hub.lisen"
    assert "listen" in problem.message


def test_yaml_syntax_error_names_the_line(home: Path) -> None:
    line = replace(home / "devices.yaml", "  - id: coffee_maker", "  - id: [coffee_maker")
    problems = problems_of(home)
    assert problems[0].file.endswith("devices.yaml")
    assert abs(problems[0].line - line) <= 2
    assert "invalid YAML" in problems[0].message


def test_duplicate_yaml_key_is_an_error(home: Path) -> None:
    line = replace(home / "hearth.yaml", "language: en\n", "language: en\nlanguage: fr\n")
    [problem] = problems_of(home)
    assert problem.line == line + 1 and "duplicate key" in problem.message


def test_wrong_type_and_short_token(home: Path) -> None:
    line = replace(home / "hearth.yaml", "token: demo-phone-91d6b0c3", "token: 12")
    [problem] = problems_of(home)
    assert (problem.line, problem.key) == (line, "hub.clients[3].token")


def test_wake_words_default_and_bad_ones_name_their_key(home: Path) -> None:
    assert load_config(home).asr.wake_words == ()
    replace(home / "hearth.yaml", "asr:\n", "asr:\n  wake_words: [Hey  Jarvis, hey jarvis, computer]\n")
    assert load_config(home).asr.wake_words == ("hey jarvis", "computer")
    replace(home / "hearth.yaml", "[Hey  Jarvis, hey jarvis, computer]", "hey jarvis")
    [problem] = problems_of(home)
    assert problem.key == "asr.wake_words" and "list of phrases" in problem.message


def test_unknown_device_type_in_devices_yaml(home: Path) -> None:
    line = replace(home / "devices.yaml", "    type: switch", "    type: toaster")
    [problem] = problems_of(home)
    assert problem.file.endswith("devices.yaml")
    assert problem.line == line
    assert problem.key == "devices[2].type"
    assert "toaster" in problem.message


def test_client_area_must_exist(home: Path) -> None:
    line = replace(home / "hearth.yaml", "area: bedroom", "area: attic")
    [problem] = problems_of(home)
    assert (problem.line, problem.key) == (line, "hub.clients[2].area")


def test_bad_template_in_custom_intents(home: Path) -> None:
    line = replace(home / "intents" / "home.yaml", '"good morning"', '"good (morning"')
    [problem] = problems_of(home)
    assert problem.file.endswith("home.yaml")
    assert problem.line == line
    assert problem.key.startswith("intents.good_morning.sentences")


def test_broker_url_and_secrets(home: Path) -> None:
    (home / "secrets.yaml").write_text("mqtt_password: hunter2\n")
    replace(
        home / "hearth.yaml",
        "broker: managed",
        "broker: mqtt://broker.lan:1884\n  password: !secret mqtt_password",
    )
    config = load_config(home)
    assert (config.mqtt.managed, config.mqtt.host, config.mqtt.port) == (False, "broker.lan", 1884)
    assert config.mqtt.password == "hunter2"
    assert "hunter2" not in repr(config)


def test_missing_secret_and_password_in_url_are_errors(home: Path) -> None:
    replace(
        home / "hearth.yaml", "broker: managed", "broker: mqtt://u:pw@broker.lan\n  password: !secret nope"
    )
    messages = [p.message for p in problems_of(home)]
    assert any("secret 'nope' is not defined" in m for m in messages)


def test_missing_config_folder(tmp_path: Path) -> None:
    [problem] = problems_of(tmp_path / "absent")
    assert "does not exist" in problem.message


def test_hearth_check_command(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--config", str(home)]) == 0
    assert "OK" in capsys.readouterr().out
    replace(home / "devices.yaml", "    area: garage\n", "    area: attic\n")
    assert main(["check", "--config", str(home)]) == 2
    err = capsys.readouterr().err
    assert "devices.yaml:" in err and "attic" in err
