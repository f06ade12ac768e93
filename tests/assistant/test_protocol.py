"""The sans-I/O connection core: hello and tokens, runs, malformed frames."""

from __future__ import annotations

import json
from typing import Any

from assistant.config import ClientSpec
from assistant.events import Error, Welcome
from assistant.protocol import (
    CancelRun,
    Close,
    EndAudio,
    FeedAudio,
    HubConnection,
    Phase,
    Send,
    ShowContext,
    StartRun,
)

CLIENTS = (
    ClientSpec(name="kitchen-pi", token="kitchen-token-123", area="kitchen"),
    ClientSpec(name="phone", token="phone-token-456"),
)


def frame(**data: Any) -> str:
    return json.dumps(data)


def ready() -> HubConnection:
    conn = HubConnection(CLIENTS, frozenset({"kitchen", "bedroom"}))
    decisions = conn.receive_text(frame(type="hello", token="kitchen-token-123"))
    assert isinstance(decisions[0], Send) and isinstance(decisions[0].event, Welcome)
    return conn


def errors(decisions: list[Any]) -> list[str]:
    return [d.event.code for d in decisions if isinstance(d, Send) and isinstance(d.event, Error)]


def test_hello_with_a_valid_token_is_welcomed_with_the_client_area() -> None:
    conn = HubConnection(CLIENTS, frozenset({"kitchen"}))
    [decision] = conn.receive_text(frame(type="hello", token="kitchen-token-123", client="whatever"))
    assert isinstance(decision, Send) and isinstance(decision.event, Welcome)
    assert decision.event.client == "kitchen-pi"
    assert decision.event.area == "kitchen"
    assert conn.phase is Phase.READY


def test_area_in_hello_overrides_the_configured_one() -> None:
    conn = HubConnection(CLIENTS, frozenset({"kitchen", "bedroom"}))
    conn.receive_text(frame(type="hello", token="phone-token-456", area="bedroom"))
    assert conn.identity is not None and conn.identity.area == "bedroom"


def test_unknown_area_in_hello_is_reported_but_not_fatal() -> None:
    conn = HubConnection(CLIENTS, frozenset({"kitchen"}))
    decisions = conn.receive_text(frame(type="hello", token="kitchen-token-123", area="attic"))
    assert errors(decisions) == ["unknown-area"]
    assert conn.identity is not None and conn.identity.area == "kitchen"


def test_wrong_or_missing_token_is_unauthorized_and_closes() -> None:
    for text in (
        frame(type="hello", token="nope"),
        frame(type="hello"),
        frame(type="run", id="r", text="x"),
        "not json",
        frame(type="hello", token=""),
    ):
        conn = HubConnection(CLIENTS, frozenset())
        decisions = conn.receive_text(text)
        assert errors(decisions) == ["unauthorized"], text
        assert isinstance(decisions[-1], Close)
        assert conn.phase is Phase.CLOSED
        assert conn.receive_text(frame(type="hello", token="kitchen-token-123")) == []


def test_binary_before_hello_is_unauthorized() -> None:
    conn = HubConnection(CLIENTS, frozenset())
    decisions = conn.receive_bytes(b"\x00\x01")
    assert errors(decisions) == ["unauthorized"] and isinstance(decisions[-1], Close)


def test_protocol_version_mismatch_is_refused() -> None:
    conn = HubConnection(CLIENTS, frozenset())
    decisions = conn.receive_text(frame(type="hello", token="kitchen-token-123", protocol=2))
    assert errors(decisions) == ["protocol-version"] and isinstance(decisions[-1], Close)


def test_text_run_starts_and_duplicate_ids_are_refused() -> None:
    conn = ready()
    [start] = conn.receive_text(frame(type="run", id="r1", text="turn on the light"))
    assert isinstance(start, StartRun) and start.run.text == "turn on the light"
    assert errors(conn.receive_text(frame(type="run", id="r1", text="again"))) == ["duplicate-run"]
    conn.run_finished("r1")
    assert isinstance(conn.receive_text(frame(type="run", id="r1", text="again"))[0], StartRun)


def test_too_many_runs_at_once_are_refused() -> None:
    conn = ready()
    for n in range(4):
        assert isinstance(conn.receive_text(frame(type="run", id=f"r{n}", text="x"))[0], StartRun)
    assert errors(conn.receive_text(frame(type="run", id="r9", text="x"))) == ["busy"]


def test_malformed_frames_after_hello_get_errors_and_keep_the_session() -> None:
    conn = ready()
    assert errors(conn.receive_text("{not json")) == ["bad-json"]
    assert errors(conn.receive_text(frame(type="teleport"))) == ["unknown-type"]
    assert errors(conn.receive_text(frame(type="run", id="r1"))) == ["bad-event"]
    assert errors(conn.receive_text(frame(type="run", id="", text="x"))) == ["bad-event"]
    assert errors(conn.receive_text("[" * 100_000 + "]" * 100_000)) == ["bad-json"]
    assert errors(conn.receive_bytes(b"audio")) == ["no-audio-run"]
    assert errors(conn.receive_text(frame(type="hello", token="kitchen-token-123"))) == ["bad-event"]
    assert conn.phase is Phase.READY


def test_cancel_and_context_requests() -> None:
    conn = ready()
    conn.receive_text(frame(type="run", id="r1", text="x"))
    assert conn.receive_text(frame(type="cancel", id="r1")) == [CancelRun("r1")]
    assert errors(conn.receive_text(frame(type="cancel", id="zzz"))) == ["unknown-run"]
    assert conn.receive_text(frame(type="context", id="c")) == [ShowContext("c")]


AUDIO = {"rate": 16000, "width": 2, "channels": 1}


def test_an_audio_run_takes_the_binary_frames_until_audio_end() -> None:
    conn = ready()
    [start] = conn.receive_text(frame(type="run", id="a1", audio=AUDIO))
    assert isinstance(start, StartRun) and start.run.audio == AUDIO
    assert conn.receive_bytes(b"\x01\x02") == [FeedAudio("a1", b"\x01\x02")]
    assert conn.receive_bytes(b"") == []
    assert conn.receive_text(frame(type="audio-end")) == [EndAudio("a1")]
    assert errors(conn.receive_bytes(b"late")) == ["no-audio-run"]


def test_frames_after_the_hub_ended_the_utterance_are_dropped_quietly() -> None:
    conn = ready()
    conn.receive_text(frame(type="run", id="a1", audio=AUDIO))
    conn.run_finished("a1")  # the hub endpointed by VAD and answered; the client is still streaming
    assert conn.receive_bytes(b"\x00\x00") == []
    assert conn.receive_text(frame(type="audio-end", id="a1")) == []
    assert errors(conn.receive_text(frame(type="audio-end", id="a1"))) == ["no-audio-run"]


def test_one_audio_stream_at_a_time_and_formats_the_hub_cannot_take() -> None:
    conn = ready()
    conn.receive_text(frame(type="run", id="a1", audio=AUDIO))
    assert errors(conn.receive_text(frame(type="run", id="a2", audio=AUDIO))) == ["audio-busy"]
    assert isinstance(conn.receive_text(frame(type="run", id="t1", text="x"))[0], StartRun)
    conn.receive_text(frame(type="audio-end", id="a1"))
    for bad in ({"rate": 1000}, {"width": 3}, {"channels": 6}, {"rate": "fast"}, {"codec": "mp3"}):
        assert errors(conn.receive_text(frame(type="run", id="a3", audio=bad))) == ["audio-format"], bad
    assert errors(conn.receive_text(frame(type="run", id="a4", text="x", audio=AUDIO))) == ["bad-event"]
    stereo = {"rate": 44100, "width": 2, "channels": 2}
    assert isinstance(conn.receive_text(frame(type="run", id="a5", audio=stereo))[0], StartRun)
