"""Round-trip and validation of every wire event type."""

from __future__ import annotations

import json
from typing import Any

import pytest

from assistant import events as ev

SAMPLES: list[ev.Event] = [
    ev.Hello(token="secret-token", client="kitchen-pi", area="kitchen", protocol=1),
    ev.Run(id="r1", text="turn on the kitchen light"),
    ev.Run(id="r2", audio={"rate": 16000, "width": 2, "channels": 1}, image="aGVsbG8="),
    ev.Run(id="r3", action={"device": "kitchen_light", "command": "toggle"}, tts=False),
    ev.AudioEnd(id="r2"),
    ev.Cancel(id="r2"),
    ev.ContextRequest(id="c1"),
    ev.Welcome(session="abc", protocol=1, client="kitchen-pi", area="kitchen"),
    ev.HomeEvent(
        areas=[{"id": "kitchen", "name": "kitchen"}],
        devices=[{"id": "kitchen_light", "name": "kitchen light", "type": "light", "area": "kitchen"}],
    ),
    ev.Error(code="intent-no-match", message="no intent matched", id="r1"),
    ev.RunStart(id="r1", text="turn on the kitchen light"),
    ev.VadStart(id="r2"),
    ev.VadEnd(id="r2"),
    ev.Transcript(id="r2", text="turn on", partial=True),
    ev.IntentEvent(
        id="r1", name="turn_on", slots={"name": ["kitchen_light"]}, confidence=1.0, source="template"
    ),
    ev.ActionEvent(
        id="r1", device="kitchen_light", command="turn_on", ok=True, topic="z/k/set", payload="{}"
    ),
    ev.Reply(id="r1", text="Turned on the kitchen light"),
    ev.TtsStart(id="r1", format="pcm16", rate=22050),
    ev.TtsEnd(id="r1", cached=False),
    ev.RunEnd(id="r1", ok=True, timings={"intent": 0.05, "total": 3.2}),
    ev.Reply(id="r4", text="It is sunny.", partial=True),
    ev.RunEnd(id="r4", ok=True, timings={"llm": 120.5, "total": 121.0}, route="llm", reason="image"),
    ev.StateEvent(device="kitchen_light", state={"state": "ON", "brightness": 254}),
    ev.TimerEvent(timer=3, state="finished", duration=600.0, remaining=0.0, name="pasta"),
    ev.Announce(text="The washing machine is done"),
    ev.ContextEvent(turns=[{"text": "hi"}], id="c1"),
]


def test_every_event_type_has_a_sample() -> None:
    covered = {type(sample) for sample in SAMPLES}
    assert covered == set(ev.CLIENT_EVENTS.values()) | set(ev.HUB_EVENTS.values())


@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: f"{e.TYPE}-{type(e).__name__}")
def test_round_trip_through_json(event: ev.Event) -> None:
    wire = json.loads(json.dumps(event.to_dict()))
    assert wire["type"] == event.TYPE
    registry = ev.CLIENT_EVENTS if type(event) in ev.CLIENT_EVENTS.values() else ev.HUB_EVENTS
    assert ev.parse_event(wire, registry) == event


def test_events_are_frozen() -> None:
    reply = ev.Reply(id="r1", text="hi")
    with pytest.raises(AttributeError):
        reply.text = "changed"  # type: ignore[misc]


def test_optional_fields_left_out_of_the_wire() -> None:
    assert ev.Error(code="busy", message="m").to_dict() == {"type": "error", "code": "busy", "message": "m"}


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ([1, 2], "bad-event"),
        ({"text": "no type"}, "bad-event"),
        ({"type": "launch-rockets"}, "unknown-type"),
        ({"type": "run", "text": "missing id"}, "bad-event"),
        ({"type": "run", "id": 5, "text": "id must be a string"}, "bad-event"),
        ({"type": "run", "id": "r", "text": "x", "extra": 1}, "bad-event"),
        ({"type": "hello", "token": "t", "protocol": True}, "bad-event"),
    ],
)
def test_invalid_events_have_stable_codes(data: Any, code: str) -> None:
    with pytest.raises(ev.EventError) as info:
        ev.parse_event(data, ev.CLIENT_EVENTS)
    assert info.value.code == code
