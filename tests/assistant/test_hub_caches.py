"""The hub's recognition cache survives a restart with the same home, and not a renamed device."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import load_config
from assistant.hub import Hub
from tests.mqtt_recorder import Recorder

from .conftest import KITCHEN_TOKEN, commands, make_home, of_type, open_client

TYPO = "turn on the kitchen lihgt"


async def _intent_sources(config_dir: Path) -> list[str]:
    hub = Hub(load_config(config_dir), simulate=True)
    await hub.start()
    try:
        client = await open_client(f"ws://127.0.0.1:{hub.port}/ws", KITCHEN_TOKEN)
        events = await client.run(TYPO)
        await client.ws.close()
        assert of_type(events, "run-end")[0]["ok"] is True
        return [e["source"] for e in of_type(events, "intent")]
    finally:
        await hub.stop()


async def test_a_restarted_hub_remembers_what_utterances_meant(
    tmp_path: Path,
    mosquitto: tuple[str, int],
    recorder: Recorder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HEARTH_CACHE_DIR", str(tmp_path / "cache"))
    home = make_home(tmp_path, mosquitto)
    assert await _intent_sources(home) == ["fuzzy"]
    assert list((tmp_path / "cache").glob("recognitions-*.pickle"))
    assert await _intent_sources(home) == ["cache"]
    # The cache only knows what was meant: the command still goes out and is confirmed as usual.
    sent = [c for c in commands(recorder, expect=2) if "kitchen_light/" in c.topic]
    assert len(sent) == 2

    devices = home / "devices.yaml"
    devices.write_text(devices.read_text().replace("name: kitchen light\n", "name: kitchen pendant\n"))
    assert "cache" not in await _intent_sources(home)
