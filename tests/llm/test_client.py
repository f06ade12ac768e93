"""The HTTP adapter against the scripted server and against nothing at all."""

from __future__ import annotations

import socket

import pytest

from assistant.llm.client import LlmClient
from assistant.llm.settings import LlmSettings
from assistant.llm.sse import LlmError, ToolCall
from tests.llm_server import Answer, scripted_server, text, tools


def _settings(url: str, key: str | None = "sk-client-test") -> LlmSettings:
    return LlmSettings(url=url, model="m", api_key=key, timeout=1.0, max_tokens=64)


async def test_streamed_text_arrives_in_pieces_and_the_body_is_openai_shaped() -> None:
    with scripted_server(text("Hello there. Bye.", pieces=4), tools(("turn_on", {"device": "x"}))) as server:
        client = LlmClient(_settings(server.url))
        pieces: list[str] = []
        messages = [{"role": "user", "content": "hi"}]
        done = await client.complete(messages, [], pieces.append)
        called = await client.complete(messages, [{"type": "function"}], pieces.append)
        await client.aclose()
    assert len(pieces) == 4 and "".join(pieces) == done.content == "Hello there. Bye."
    assert called.tool_calls == [ToolCall("call_0", "turn_on", '{"device": "x"}')]
    first, second = server.bodies()
    assert first == {"model": "m", "messages": messages, "stream": True, "max_tokens": 64}
    assert second["tools"] == [{"type": "function"}] and second["tool_choice"] == "auto"
    assert server.requests[0].headers["authorization"] == "Bearer sk-client-test"
    assert "sk-client-test" not in repr(client)


async def test_no_key_sends_no_authorization() -> None:
    with scripted_server(text("ok")) as server:
        client = LlmClient(_settings(server.url, key=None))
        await client.complete([], [], lambda _: None)
        await client.aclose()
    assert "authorization" not in server.requests[0].headers


async def test_connection_refused_is_unavailable() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = LlmClient(_settings(f"http://127.0.0.1:{port}/v1"))
    with pytest.raises(LlmError) as caught:
        await client.complete([], [], lambda _: None)
    await client.aclose()
    assert caught.value.code == "llm-unavailable"


async def test_a_json_answer_instead_of_a_stream_is_a_bad_response() -> None:
    plain = Answer((b'{"choices": []}',), content_type="application/json")
    with scripted_server(plain) as server:
        client = LlmClient(_settings(server.url))
        with pytest.raises(LlmError) as caught:
            await client.complete([], [], lambda _: None)
        await client.aclose()
    assert caught.value.code == "llm-bad-response"
