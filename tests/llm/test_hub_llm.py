"""The model stage through a real hub: scripted server over real HTTP/SSE, device effects on a real broker."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from typing import Any

import pytest

from tests.assistant.conftest import (
    KITCHEN_TOKEN,
    PHONE_TOKEN,
    commands,
    nothing_published,
    of_type,
    open_client,
)
from tests.llm_server import raw, stall, status, text, tools
from tests.mqtt_recorder import Recorder
from tests.tts.conftest import require_espeak

from .conftest import API_KEY, KID_TOKEN, LlmHome

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32  # the magic bytes are what Hearth checks


def _tool_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [json.loads(m["content"]) for m in body["messages"] if m["role"] == "tool"]


async def test_a_tool_call_switches_a_real_device_and_the_model_gets_the_result(
    home: LlmHome, recorder: Recorder
) -> None:
    home.server.script += [
        tools(("turn_on", {"device": "kitchen_light"})),
        text("The kitchen light is on. Enjoy your evening!"),
    ]
    client = await open_client(home.url, KITCHEN_TOKEN)
    events = await client.run("make it cozy in here")
    sent = commands(recorder, 1)
    assert [(m.topic, json.loads(m.payload)) for m in sent] == [
        ("zigbee2mqtt/kitchen_light/set", {"state": "ON"})
    ]
    (intent,) = of_type(events, "intent")
    assert (intent["name"], intent["slots"], intent["source"]) == (
        "turn_on",
        {"device": "kitchen_light"},
        "llm",
    )
    (action,) = of_type(events, "action")
    assert (action["device"], action["command"], action["ok"]) == ("kitchen_light", "turn_on", True)
    replies = of_type(events, "reply")
    assert [r["text"] for r in replies if r.get("partial")] == [
        "The kitchen light is on.",
        "Enjoy your evening!",
    ]
    assert replies[-1] == {
        "type": "reply",
        "id": "r1",
        "text": "The kitchen light is on. Enjoy your evening!",
    }
    end = events[-1]
    assert (end["type"], end["ok"], end["route"], end["reason"]) == ("run-end", True, "llm", "no-local-match")
    assert "llm" in end["timings"]
    first, second = home.server.requests
    assert first.path == "/v1/chat/completions"
    assert first.headers["authorization"] == f"Bearer {API_KEY}"
    assert first.body["model"] == "scripted-model" and first.body["stream"] is True
    system = first.body["messages"][0]
    assert system["role"] == "system" and "kitchen (area id kitchen)" in system["content"]
    assert first.body["messages"][-1] == {"role": "user", "content": "make it cozy in here"}
    offered = {t["function"]["name"]: t["function"]["parameters"] for t in first.body["tools"]}
    assert "kitchen_light" in offered["turn_on"]["properties"]["device"]["enum"]
    assert offered["lock"]["properties"]["device"]["enum"] == ["front_door"]
    call = second.body["messages"][-2]
    assert call["role"] == "assistant" and call["tool_calls"][0]["function"]["name"] == "turn_on"
    (result,) = _tool_messages(second.body)
    assert result["ok"] is True and result["state"]["state"] == "ON"
    assert second.body["messages"][-1]["tool_call_id"] == call["tool_calls"][0]["id"]


async def test_history_is_the_last_five_turns(home: LlmHome) -> None:
    client = await open_client(home.url, KITCHEN_TOKEN)
    said = [
        "turn on the kitchen light",
        "turn off the kitchen light",
        "turn on the bedroom light",
        "turn off the bedroom light",
        "turn on the coffee maker",
        "turn off the coffee maker",
    ]
    for index, sentence in enumerate(said):
        await client.run(sentence, f"h{index}")
    assert home.server.requests == []  # local commands never reach the model
    home.server.script.append(text("It is a fine time to relax."))
    events = await client.run("what should I do tonight?", "q")
    assert events[-1]["reason"] == "open-question"
    messages = home.server.requests[0].body["messages"]
    history = messages[1:-1]
    assert [m["content"] for m in history if m["role"] == "user"] == said[1:]
    assert [m["role"] for m in history] == ["user", "assistant"] * 5
    assert history[1]["content"] == "Turned off the kitchen light"


async def test_an_image_rides_as_a_data_url(home: LlmHome) -> None:
    home.server.script.append(text("A cat on a sofa."))
    client = await open_client(home.url, KITCHEN_TOKEN)
    image = base64.b64encode(PNG).decode()
    await client.send(type="run", id="i1", text="what's in this picture", image=image)
    events = await client.until_end("i1")
    assert events[-1]["reason"] == "image" and events[-1]["ok"] is True
    content = home.server.requests[0].body["messages"][-1]["content"]
    assert content == [
        {"type": "text", "text": "what's in this picture"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{image}"}},
    ]


@pytest.mark.parametrize("image", ["not base64!", base64.b64encode(b"GIF89a....").decode()])
async def test_a_bad_image_is_refused_before_the_model(home: LlmHome, image: str) -> None:
    client = await open_client(home.url, KITCHEN_TOKEN)
    await client.send(type="run", id="i2", text="what's in this picture", image=image)
    events = await client.until_end("i2")
    assert of_type(events, "error")[0]["code"] == "bad-image"
    assert of_type(events, "reply")[-1]["text"] == "Sorry, I couldn't read that picture"
    assert events[-1]["code"] == "bad-image" and home.server.requests == []


async def test_refused_calls_publish_nothing_and_tell_the_model_why(
    home: LlmHome, recorder: Recorder
) -> None:
    home.server.script += [
        tools(
            ("turn_on", {"device": "attic_light"}),
            ("set_brightness", {"device": "bedroom_light", "brightness": 300}),
            ("unlock", {"device": "front_door"}),
            ("turn_on", '{"device": "bedroom_light", "mood": "calm"}'),
        ),
        text("I can't do those, sorry."),
    ]
    client = await open_client(home.url, KID_TOKEN)
    events = await client.run("sort out the house for the night")
    assert nothing_published(recorder)
    assert of_type(events, "action") == []
    results = _tool_messages(home.server.requests[1].body)
    assert [r["error"] for r in results] == ["device-unknown", "bad-arguments", "forbidden", "bad-arguments"]
    assert "bedroom" in results[2]["reason"]
    system = home.server.requests[0].body["messages"][0]["content"]
    assert "may only control devices in: bedroom" in system
    assert events[-1]["ok"] is True


async def test_a_local_command_never_calls_the_model(home: LlmHome, recorder: Recorder) -> None:
    client = await open_client(home.url, KITCHEN_TOKEN)
    events = await client.run("turn on the kitchen light")
    assert of_type(events, "intent")[0]["source"] != "llm"
    assert "route" not in events[-1] and events[-1]["ok"] is True
    assert len(commands(recorder, 1)) == 1
    assert home.server.requests == []


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        (stall(3), "llm-timeout"),
        (status(500), "llm-unavailable"),
        (status(401), "llm-unauthorized"),
        (status(404, '{"error": {"message": "model not found"}}'), "llm-rejected"),
        (raw(b"data: {oops\n\n"), "llm-bad-response"),
        (raw(b"data: [DONE]\n\n"), "llm-bad-response"),
        (tools(("launch_rocket", {})), "llm-unknown-tool"),
        (tools(("turn_on", '{"device": "kitch')), "llm-bad-response"),
    ],
)
async def test_failures_apologise_with_an_error_code(home: LlmHome, answer: Any, code: str) -> None:
    home.server.script.append(answer)
    client = await open_client(home.url, KITCHEN_TOKEN)
    events = await client.run("tell me a joke")
    (error,) = of_type(events, "error")
    assert error["code"] == code
    assert of_type(events, "reply")[-1]["text"].startswith("Sorry")
    end = events[-1]
    assert (end["ok"], end["code"], end["route"]) == (False, code, "llm")


@pytest.mark.llm_settings(max_tool_rounds=2)
async def test_an_endless_tool_loop_is_bounded(home: LlmHome) -> None:
    home.server.script += [tools(("get_state", {"device": "kitchen_light"})) for _ in range(5)]
    client = await open_client(home.url, KITCHEN_TOKEN)
    events = await client.run("keep checking the kitchen light")
    assert of_type(events, "error")[0]["code"] == "llm-tool-loop"
    assert len(home.server.requests) == 3  # two rounds of tools, then the answer that still called one
    assert events[-1]["code"] == "llm-tool-loop"


async def test_cancel_stops_the_request(home: LlmHome) -> None:
    home.server.script.append(stall(0.9))
    client = await open_client(home.url, KITCHEN_TOKEN)
    await client.send(type="run", id="c1", text="tell me a long story")
    for _ in range(500):
        if home.server.requests:
            break
        await asyncio.sleep(0.01)
    await client.send(type="cancel", id="c1")
    events = await client.until_end("c1")
    assert events[-1]["code"] == "cancelled"
    for _ in range(200):
        if home.server.disconnects:
            break
        await asyncio.sleep(0.01)
    assert home.server.disconnects == 1


async def test_the_key_is_never_logged(home: LlmHome, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    home.server.script += [tools(("turn_on", {"device": "kitchen_light"})), text("Done."), status(401)]
    client = await open_client(home.url, PHONE_TOKEN)
    await client.run("make it cozy in here")
    await client.run("and now something else", "r2")
    assert caplog.records and API_KEY not in caplog.text
    assert API_KEY not in repr(home.hub.llm) and API_KEY not in repr(home.config)


async def test_each_sentence_is_spoken_as_it_arrives(home: LlmHome) -> None:
    require_espeak()
    home.server.script.append(text("It is sunny outside. The plants are dry! Water them tonight?", pieces=9))
    client = await open_client(home.url, KITCHEN_TOKEN, tts=True)
    await client.send(type="run", id="s1", text="is it a good time to water the plants")
    kinds: list[str] = []
    partial: list[str] = []
    while not kinds or kinds[-1] != "run-end":
        frame = await asyncio.wait_for(client.ws.recv(), 20)
        if isinstance(frame, bytes):
            kinds.append("<audio>")
            continue
        event = json.loads(frame)
        if event["type"] in ("state", "home"):
            continue
        kinds.append("partial" if event.get("partial") else event["type"])
        if event.get("partial"):
            partial.append(event["text"])
    assert partial == ["It is sunny outside.", "The plants are dry!", "Water them tonight?"]
    starts = [i for i, kind in enumerate(kinds) if kind == "tts-start"]
    sentences = [i for i, kind in enumerate(kinds) if kind == "partial"]
    assert len(starts) == 3  # one spoken reply per sentence, and the whole reply is not spoken again
    assert all(s > p for s, p in zip(starts, sentences, strict=True))
    assert "<audio>" in kinds and kinds.count("tts-end") == 3
    assert kinds[-2:] == ["reply", "run-end"] and kinds.index("reply") > max(
        i for i, k in enumerate(kinds) if k == "tts-end"
    )


async def test_local_commands_respect_the_client_areas_too(home: LlmHome, recorder: Recorder) -> None:
    client = await open_client(home.url, KID_TOKEN)
    events = await client.run("turn on the kitchen light")
    assert nothing_published(recorder)
    assert of_type(events, "error")[0]["code"] == "forbidden"
    assert "kitchen light can't be controlled from here" in of_type(events, "reply")[-1]["text"]
    assert events[-1]["code"] == "forbidden" and of_type(events, "action") == []
    events = await client.run("turn on the bedroom light", "r2")
    assert of_type(events, "action")[0]["ok"] is True
    assert [m.topic for m in commands(recorder, 1)] == ["zigbee2mqtt/bedroom_light/set"]
    assert home.server.requests == []
