"""The sans-I/O SSE decoder and chat-stream accumulator, fed the way real servers split their bytes."""

from __future__ import annotations

import json

import pytest

from assistant.llm.sse import ChatStream, LlmError, SseDecoder, ToolCall
from tests.llm_server import text, tools


def _feed_all(chunks: tuple[bytes, ...], size: int) -> tuple[ChatStream, list[str]]:
    """Decode a stream cut into pieces of `size` bytes, whatever the event boundaries."""
    decoder, stream, pieces = SseDecoder(), ChatStream(), []
    data = b"".join(chunks)
    for start in range(0, len(data), size):
        for event in decoder.feed(data[start : start + size]):
            if piece := stream.feed(event):
                pieces.append(piece)
    for event in decoder.close():
        stream.feed(event)
    return stream, pieces


@pytest.mark.parametrize("size", [1, 3, 17, 10_000])
def test_text_deltas_accumulate_whatever_the_byte_boundaries(size: int) -> None:
    stream, pieces = _feed_all(text("The kitchen is warm. Enjoy!", pieces=5).chunks, size)
    assert "".join(pieces) == "The kitchen is warm. Enjoy!"
    assert len(pieces) == 5
    result = stream.result()
    assert (result.content, result.tool_calls, result.finish_reason) == (
        "The kitchen is warm. Enjoy!",
        [],
        "stop",
    )
    assert stream.done


@pytest.mark.parametrize("size", [1, 7, 10_000])
def test_tool_call_deltas_merge_by_index(size: int) -> None:
    answer = tools(
        ("turn_on", {"device": "kitchen_light"}), ("set_brightness", {"device": "x", "brightness": 40})
    )
    stream, pieces = _feed_all(answer.chunks, size)
    assert pieces == []
    result = stream.result()
    assert result.finish_reason == "tool_calls"
    assert result.tool_calls == [
        ToolCall("call_0", "turn_on", '{"device": "kitchen_light"}'),
        ToolCall("call_1", "set_brightness", '{"device": "x", "brightness": 40}'),
    ]


def test_crlf_comments_and_multiline_data() -> None:
    decoder = SseDecoder()
    events = decoder.feed(b': keep-alive\r\n\r\nevent: message\r\ndata: {"a":\r\ndata: 1}\r')
    assert events == []  # the last CR may be half a CRLF: wait for the next byte
    assert decoder.feed(b"\n\r\n") == ['{"a":\n1}']
    assert decoder.feed(b"data:[DONE]") == []
    assert decoder.close() == ["[DONE]"]


def test_server_variants_missing_index_repeated_name_and_object_arguments() -> None:
    stream = ChatStream()
    chunk = {"choices": [{"index": 0, "delta": {"tool_calls": [{"id": "a", "function": {"name": "lock"}}]}}]}
    stream.feed(json.dumps(chunk))
    again = {"id": "a", "function": {"name": "lock", "arguments": {"device": "front_door"}}}
    stream.feed(json.dumps({"choices": [{"delta": {"tool_calls": [again]}}]}))
    assert stream.result().tool_calls == [ToolCall("a", "lock", '{"device": "front_door"}')]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ("{not json", "llm-bad-response"),
        ("[1, 2]", "llm-bad-response"),
        ('{"object": "chat.completion.chunk"}', "llm-bad-response"),
        ('{"choices": [{"delta": {"content": 5}}]}', "llm-bad-response"),
        ('{"choices": [{"delta": {"tool_calls": ["x"]}}]}', "llm-bad-response"),
        ('{"error": {"message": "out of memory"}}', "llm-unavailable"),
    ],
)
def test_malformed_chunks_raise_stable_codes(data: str, code: str) -> None:
    with pytest.raises(LlmError) as caught:
        ChatStream().feed(data)
    assert caught.value.code == code


def test_tool_call_without_name_is_a_bad_response() -> None:
    stream = ChatStream()
    stream.feed('{"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"arguments": "{}"}}]}}]}')
    with pytest.raises(LlmError, match="no function name"):
        stream.result()


def test_other_choices_are_ignored() -> None:
    stream = ChatStream()
    assert stream.feed('{"choices": [{"index": 1, "delta": {"content": "second"}}]}') == ""
    assert stream.feed('{"choices": [{"index": 0, "delta": {"content": "first"}}]}') == "first"
