"""Sans-I/O reading of a streamed chat completion: SSE bytes in, text deltas and the finished message out."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


class LlmError(Exception):
    """A failed model exchange; `code` is a stable kebab-case error code sent to the client."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


class SseDecoder:
    """Splits a byte stream into server-sent events and returns the `data` of each (per the SSE spec)."""

    MAX_LINE = 1 << 20  # a line longer than this is no SSE a chat server sends

    def __init__(self) -> None:
        self._buffer = b""
        self._data: list[str] = []

    def feed(self, chunk: bytes) -> list[str]:
        """Consume bytes; return the data of every event completed by them."""
        self._buffer += chunk
        events: list[str] = []
        while True:
            line, found = self._next_line()
            if not found:
                if len(self._buffer) > self.MAX_LINE:
                    raise LlmError("llm-bad-response", "the stream sent a line longer than 1 MiB")
                return events
            if not line:
                if self._data:
                    events.append("\n".join(self._data))
                    self._data = []
                continue
            name, _, value = line.partition(":")
            if name == "data":
                self._data.append(value[1:] if value.startswith(" ") else value)
            # Comments (":keep-alive"), `event`, `id` and `retry` carry nothing a chat completion needs.

    def close(self) -> list[str]:
        """The end of the stream: an event left without its blank line still counts."""
        events = self.feed(b"\n\n") if self._buffer or self._data else []
        return events

    def _next_line(self) -> tuple[str, bool]:
        ends = [i for i in (self._buffer.find(b"\n"), self._buffer.find(b"\r")) if i >= 0]
        if not ends:
            return "", False
        index = min(ends)
        if self._buffer[index] == 0x0D and index + 1 == len(self._buffer):
            return "", False  # a CR at the end may be the first half of a CRLF
        end = index + 2 if self._buffer[index : index + 2] == b"\r\n" else index + 1
        line, self._buffer = self._buffer[:index], self._buffer[end:]
        try:
            return line.decode("utf-8"), True
        except UnicodeDecodeError as err:
            raise LlmError("llm-bad-response", "the stream is not UTF-8") from err


@dataclass(slots=True)
class ToolCall:
    """A function call the model asked for; `arguments` is the JSON text it wrote."""

    id: str
    name: str
    arguments: str

    def to_message(self) -> dict[str, Any]:
        """The form the call takes in the assistant message sent back to the model."""
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments},
        }


@dataclass(slots=True)
class Completion:
    """One finished model message: its text, the tools it called, and why it stopped."""

    content: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: str | None = None


class ChatStream:
    """Accumulates `chat.completion.chunk` objects the way OpenAI's streaming format defines them."""

    def __init__(self) -> None:
        self._content: list[str] = []
        self._calls: dict[int, ToolCall] = {}
        self._finish: str | None = None
        self.done = False

    def feed(self, data: str) -> str:
        """Take the data of one SSE event; return the text it adds to the reply ("" for none)."""
        if data.strip() == "[DONE]":
            self.done = True
            return ""
        try:
            chunk = json.loads(data)
        except json.JSONDecodeError as err:
            raise LlmError("llm-bad-response", f"a stream chunk is not JSON: {data[:80]!r}") from err
        if not isinstance(chunk, dict):
            raise LlmError("llm-bad-response", "a stream chunk is not a JSON object")
        if "error" in chunk:
            raise LlmError("llm-unavailable", f"the model server reported an error: {_error_text(chunk)}")
        choices = chunk.get("choices")
        if not isinstance(choices, list):
            raise LlmError("llm-bad-response", "a stream chunk has no 'choices' list")
        text = []
        for choice in choices:
            # n=1 is what Hearth asks for; another choice index would be a second, unwanted answer.
            if isinstance(choice, dict) and choice.get("index", 0) == 0:
                text.append(self._choice(choice))
        return "".join(text)

    def _choice(self, choice: dict[str, Any]) -> str:
        if isinstance(choice.get("finish_reason"), str):
            self._finish = choice["finish_reason"]
        delta = choice.get("delta") or {}
        if not isinstance(delta, dict):
            raise LlmError("llm-bad-response", "a choice's 'delta' is not an object")
        for position, call in enumerate(delta.get("tool_calls") or ()):
            self._tool_delta(position, call)
        content = delta.get("content")
        if content is None:
            return ""
        if not isinstance(content, str):
            raise LlmError("llm-bad-response", "a delta's 'content' is not a string")
        self._content.append(content)
        return content

    def _tool_delta(self, position: int, call: Any) -> None:
        """Merge one tool-call piece: id and name arrive first, the arguments in pieces after them."""
        if not isinstance(call, dict):
            raise LlmError("llm-bad-response", "a tool call delta is not an object")
        index = call.get("index", position)  # some servers leave out the index of a single call
        function = call.get("function") or {}
        if not isinstance(index, int) or not isinstance(function, dict):
            raise LlmError("llm-bad-response", "a tool call delta has no integer index or no function")
        current = self._calls.setdefault(index, ToolCall("", "", ""))
        if isinstance(call.get("id"), str) and not current.id:
            current.id = call["id"]
        name = function.get("name")
        if isinstance(name, str) and name != current.name:
            # OpenAI sends the name once; servers that repeat the whole name must not double it.
            current.name += name
        arguments = function.get("arguments")
        if isinstance(arguments, str):
            current.arguments += arguments
        elif isinstance(arguments, dict):  # a few servers send the parsed object instead of its text
            current.arguments += json.dumps(arguments)

    def result(self) -> Completion:
        """The finished message; tool calls without an id get one, since the reply must refer to it."""
        calls = []
        for index in sorted(self._calls):
            call = self._calls[index]
            if not call.name:
                raise LlmError("llm-bad-response", f"tool call {index} has no function name")
            calls.append(ToolCall(call.id or f"call_{index}", call.name, call.arguments))
        return Completion("".join(self._content), calls, self._finish)


def _error_text(chunk: dict[str, Any]) -> str:
    error = chunk.get("error")
    if isinstance(error, dict):
        return str(error.get("message") or error)[:200]
    return str(error)[:200]
