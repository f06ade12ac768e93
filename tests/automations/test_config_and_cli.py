"""automations.yaml in `hearth check` (errors at file, line and key), `hearth automations list|history`."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.automation_history import History, RunRecord
from assistant.cli import main
from assistant.config import load_config
from assistant.yamlpos import ConfigError
from tests.assistant.conftest import make_home

BROKEN = """\
- id: hall
  triggers:
    - device: hallway_lamp
      to: "ON"
  actions:
    - device: front_door
      action: turn_on
    - delay: soon
- id: garage
  triggers:
    - cron: "0 25 * * *"
  conditons:
    - after: "22:00"
  actions:
    - announce: "{{ states.garage_dor.state }}"
"""


def test_errors_name_file_line_and_key(tmp_path: Path) -> None:
    directory = make_home(tmp_path, None)
    (directory / "automations.yaml").write_text(BROKEN)
    with pytest.raises(ConfigError) as err:
        load_config(directory)
    found = {(Path(p.file).name, p.line, p.key) for p in err.value.problems}
    assert found == {
        ("automations.yaml", 3, "[0].triggers[0].device"),
        ("automations.yaml", 7, "[0].actions[0].action"),
        ("automations.yaml", 8, "[0].actions[1].delay"),
        ("automations.yaml", 11, "[1].triggers[0].cron"),
        ("automations.yaml", 12, "[1].conditons"),
        ("automations.yaml", 15, "[1].actions[0].announce"),
    }
    messages = " | ".join(p.message for p in err.value.problems)
    assert "did you mean 'hallway_light'" in messages and "did you mean 'conditions'" in messages
    assert "front_door is a lock and cannot turn_on" in messages and "unknown device 'garage_dor'" in messages


def test_hearth_check_reports_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = make_home(tmp_path, None)
    (directory / "automations.yaml").write_text(BROKEN)
    assert main(["check", "--config", str(directory)]) == 2
    assert "automations.yaml:12: [1].conditons: unknown key 'conditons'" in capsys.readouterr().err


def test_a_sample_home_without_the_file_has_no_automations(tmp_path: Path) -> None:
    assert load_config(make_home(tmp_path, None)).automations.automations == ()


def test_location_is_validated(tmp_path: Path) -> None:
    directory = make_home(tmp_path, None)
    hearth = directory / "hearth.yaml"
    hearth.write_text(hearth.read_text().replace("latitude: 52.52", "latitude: 152.52"))
    with pytest.raises(ConfigError) as err:
        load_config(directory)
    assert [p.key for p in err.value.problems] == ["location.latitude"]


def test_check_and_list_the_sample(capsys: pytest.CaptureFixture[str]) -> None:
    sample = Path(__file__).resolve().parents[2] / "config"
    assert main(["check", "--config", str(sample)]) == 0
    assert "automations: 5" in capsys.readouterr().out
    assert main(["automations", "list", "--config", str(sample)]) == 0
    out = capsys.readouterr().out
    assert "good_night" in out and "triggers: sentence" in out and "triggers: device" in out


def test_history_is_bounded_and_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HEARTH_CACHE_DIR", str(tmp_path))
    history = History(tmp_path / "automations-history.jsonl", limit=5)
    for n in range(12):
        record = RunRecord(
            "a" if n % 2 else "b", n, {"kind": "mqtt", "topic": "x"}, 1000.0 + n, outcome="done"
        )
        record.actions.append({"action": "publish", "detail": "x 1", "ok": True})
        record.finished = record.started + 0.002
        history.append(record)
    assert len(history.read(0)) < 10  # trimmed when it doubled
    assert [r["run"] for r in history.read(2, "a")] == [9, 11]
    assert main(["automations", "history", "--limit", "1", "--id", "b"]) == 0
    out = capsys.readouterr().out
    assert out.count("  b  done") == 1 and "trigger: mqtt topic=x" in out and "publish: x 1 [ok]" in out
