"""What the hub does for the browser page, without a browser: static files, the home event, tile taps."""

from __future__ import annotations

import asyncio
import http.client
import json
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect

from assistant.config import load_config
from assistant.hub import Hub
from assistant.webpage import FILES
from tests.assistant.conftest import (
    KITCHEN_TOKEN,
    PHONE_TOKEN,
    Client,
    RunningHome,
    commands,
    make_home,
    nothing_published,
    of_type,
    open_client,
)
from tests.mqtt_recorder import Recorder


def fetch(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    """A raw GET (the path is sent as it is, so traversal attempts reach the hub unchanged)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


async def run_with(client: Client, run_id: str, action: dict[str, Any]) -> list[dict[str, Any]]:
    """Send a run with a direct action and return its events up to and including run-end."""
    await client.send(type="run", id=run_id, action=action)
    return await client.until_end(run_id)


async def test_page_files_are_served_with_types_and_a_strict_policy(home: RunningHome) -> None:
    for path, (_, content_type) in FILES.items():
        status, headers, body = await asyncio.to_thread(fetch, home.hub.port, path)
        assert status == 200, path
        assert headers["content-type"] == content_type
        assert body
        policy = headers["content-security-policy"]
        assert "script-src 'self';" in policy and "unsafe-inline" not in policy
        assert headers["x-content-type-options"] == "nosniff"
    status, _, page = await asyncio.to_thread(fetch, home.hub.port, "/?from=bookmark")
    assert status == 200
    html = page.decode()
    assert '<script src="/app.js"' in html and "<script>" not in html and "<style" not in html
    for testid in ("token", "connect", "talk", "text", "transcript", "reply"):
        assert f'data-testid="{testid}"' in html


@pytest.mark.parametrize(
    "path",
    [
        "/../pyproject.toml",
        "/%2e%2e/hub.py",
        "/web/app.js",
        "/../../etc/passwd",
        "/hub.py",
        "/app.js/",
        "//app.js",
        "/index.html%00",
        "/nothing-here",
    ],
)
async def test_anything_else_is_not_found(home: RunningHome, path: str) -> None:
    status, _, body = await asyncio.to_thread(fetch, home.hub.port, path)
    assert status == 404 and b"import" not in body


async def test_home_comes_after_welcome_and_before_the_states(home: RunningHome) -> None:
    client = await open_client(home.url, PHONE_TOKEN)
    await client.run("what time is it")
    assert client.home is not None
    devices = {d["id"]: d for d in client.home["devices"]}
    assert devices["kitchen_light"] == {
        "id": "kitchen_light",
        "name": "kitchen light",
        "type": "light",
        "area": "kitchen",
    }
    assert {"id": "living_room", "name": "living room"} in client.home["areas"]
    assert list(devices) == [d.id for d in home.config.devices.devices]
    # On the wire: welcome, then home, then one state per device.
    raw = await _first_frames(home.url, 3)
    assert [json.loads(f)["type"] for f in raw] == ["welcome", "home", "state"]


async def _first_frames(url: str, count: int) -> list[str]:
    async with connect(url) as ws:
        await ws.send(json.dumps({"type": "hello", "token": PHONE_TOKEN}))
        return [str(await asyncio.wait_for(ws.recv(), 5)) for _ in range(count)]


async def test_a_tap_toggles_exactly_that_device(home: RunningHome, recorder: Recorder) -> None:
    client = await open_client(home.url, KITCHEN_TOKEN)
    action = {"device": "kitchen_light", "command": "toggle"}
    events = await run_with(client, "t1", action)
    intent = of_type(events, "intent")[0]
    assert (intent["name"], intent["source"], intent["slots"]) == (
        "turn_on",
        "direct",
        {"devices": ["kitchen_light"]},
    )
    [done] = of_type(events, "action")
    assert (done["device"], done["command"], done["ok"]) == ("kitchen_light", "turn_on", True)
    assert of_type(events, "reply")[0]["text"] == "Turned on the kitchen light"
    assert events[-1]["type"] == "run-end" and events[-1]["ok"] is True
    [carried] = commands(recorder, expect=1)
    assert (carried.topic, json.loads(carried.payload)) == ("zigbee2mqtt/kitchen_light/set", {"state": "ON"})
    recorder.clear()
    events = await run_with(client, "t2", action)
    assert of_type(events, "action")[0]["command"] == "turn_off"
    assert [c.topic for c in commands(recorder, expect=1)] == ["zigbee2mqtt/kitchen_light/set"]


async def test_a_tap_opens_and_closes_a_cover(home: RunningHome, recorder: Recorder) -> None:
    client = await open_client(home.url, KITCHEN_TOKEN)
    events = await run_with(client, "t1", {"device": "garage_door", "command": "toggle"})
    assert of_type(events, "action")[0]["command"] == "open"
    assert [c.topic for c in commands(recorder, expect=1)] == ["zigbee2mqtt/garage_door/set"]


@pytest.mark.parametrize(
    ("action", "code"),
    [
        ({"device": "no_such_device", "command": "toggle"}, "device-unknown"),
        ({"device": "bathroom_sensor", "command": "toggle"}, "action-unsupported"),
        ({"device": "front_door", "command": "turn_on"}, "action-unsupported"),
        ({"device": "kitchen_light", "command": "explode"}, "bad-event"),
        ({"device": "kitchen_light"}, "bad-event"),
        ({"device": ["kitchen_light"], "command": "toggle"}, "bad-event"),
        ({"device": "kitchen_light", "command": "toggle", "extra": 1}, "bad-event"),
    ],
)
async def test_a_bad_tap_is_refused_and_publishes_nothing(
    home: RunningHome, recorder: Recorder, action: dict[str, Any], code: str
) -> None:
    client = await open_client(home.url, KITCHEN_TOKEN)
    events = await run_with(client, "t1", action)
    assert [e["code"] for e in of_type(events, "error")] == [code]
    assert events[-1]["type"] == "run-end" and events[-1]["ok"] is False
    assert not of_type(events, "action")
    assert nothing_published(recorder)


async def test_a_run_carries_exactly_one_of_text_audio_or_action(home: RunningHome) -> None:
    client = await open_client(home.url, KITCHEN_TOKEN)
    action = {"device": "kitchen_light", "command": "toggle"}
    await client.send(type="run", id="t1", text="turn on the kitchen light", action=action)
    refused = await client.next_event()
    assert (refused["type"], refused["code"]) == ("error", "bad-event")


async def test_a_tap_respects_the_areas_a_client_may_control(
    tmp_path: Path, mosquitto: tuple[str, int], recorder: Recorder
) -> None:
    folder = make_home(tmp_path, mosquitto)
    hearth = folder / "hearth.yaml"
    kitchen = "      token: demo-kitchen-7c1f9a2e\n      area: kitchen\n"
    assert kitchen in hearth.read_text()
    hearth.write_text(hearth.read_text().replace(kitchen, f"{kitchen}      areas: [kitchen]\n"))
    hub = Hub(load_config(folder))
    await hub.start()
    try:
        client = await open_client(f"ws://127.0.0.1:{hub.port}/ws", KITCHEN_TOKEN)
        recorder.clear()
        events = await run_with(client, "t1", {"device": "bedroom_light", "command": "toggle"})
        assert [e["code"] for e in of_type(events, "error")] == ["forbidden"]
        assert not of_type(events, "action") and events[-1]["ok"] is False
        assert nothing_published(recorder)
        # Its own area is fine (no simulator here: the command goes out, nobody confirms it).
        await run_with(client, "t2", {"device": "kitchen_light", "command": "toggle"})
        assert [c.topic for c in commands(recorder, expect=1)] == ["zigbee2mqtt/kitchen_light/set"]
    finally:
        await hub.stop()
