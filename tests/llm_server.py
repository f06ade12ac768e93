"""A scripted OpenAI-compatible chat server for tests: real HTTP on 127.0.0.1, real SSE, records requests."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Answer:
    """What the server does for one request: stream chunks, or fail with a status, or stall."""

    chunks: tuple[bytes, ...] = ()
    status: int = 200
    body: bytes = b""
    stall: float = 0.0  # seconds to wait after the headers before the first chunk
    gap: float = 0.0  # seconds between chunks
    content_type: str = "text/event-stream"


def _chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
    event = {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "scripted",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(event).encode() + b"\n\n"


def _pieces(text: str, count: int) -> list[str]:
    size = max(1, -(-len(text) // count))
    return [text[i : i + size] for i in range(0, len(text), size)]


def text(reply: str, pieces: int = 4, gap: float = 0.0) -> Answer:
    """A streamed text answer split over several chunks, then [DONE]."""
    chunks = [_chunk({"role": "assistant", "content": ""})]
    chunks += [_chunk({"content": piece}) for piece in _pieces(reply, pieces)]
    chunks += [_chunk({}, "stop"), b"data: [DONE]\n\n"]
    return Answer(tuple(chunks), gap=gap)


def tools(*calls: tuple[str, dict[str, Any] | str], pieces: int = 3, say: str = "") -> Answer:
    """Tool calls (name, arguments) with the arguments' JSON split over chunks, as OpenAI streams them."""
    chunks = [_chunk({"role": "assistant", "content": say or None})]
    for index, (name, args) in enumerate(calls):
        raw = args if isinstance(args, str) else json.dumps(args)
        first = {"index": index, "id": f"call_{index}", "type": "function"}
        chunks.append(_chunk({"tool_calls": [{**first, "function": {"name": name, "arguments": ""}}]}))
        for piece in _pieces(raw, pieces):
            chunks.append(_chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}))
    chunks += [_chunk({}, "tool_calls"), b"data: [DONE]\n\n"]
    return Answer(tuple(chunks))


def status(code: int, body: str = '{"error": {"message": "scripted failure"}}') -> Answer:
    """An HTTP error answer."""
    return Answer(status=code, body=body.encode(), content_type="application/json")


def raw(*chunks: bytes) -> Answer:
    """Exactly these bytes as the event stream (for malformed streams)."""
    return Answer(tuple(chunks))


def stall(seconds: float) -> Answer:
    """Headers, then nothing for `seconds` (a server that hangs)."""
    return Answer((_chunk({"content": "late"}), b"data: [DONE]\n\n"), stall=seconds)


@dataclass
class Received:
    """One request the server got."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class ScriptedServer:
    """Answers each POST with the next scripted Answer (a plain text answer once the script runs out)."""

    script: list[Answer] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    disconnects: int = 0  # responses the client abandoned before their end (a cancelled run)
    port: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The /v1 base to configure as llm.url."""
        return f"http://127.0.0.1:{self.port}/v1"

    def bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies received, in order."""
        return [r.body for r in self.requests]

    def start(self) -> None:
        """Serve in a thread of its own, so a test that blocks its loop never blocks the server."""
        ready = threading.Event()

        def serve() -> None:
            loop = self._loop = asyncio.new_event_loop()
            server = loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            server.close()
            # Handlers still streaming (a test that stopped early) end here, not in a closed loop.
            loop.run_until_complete(_cancel_all())
            loop.run_until_complete(server.wait_closed())
            loop.close()

        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        ready.wait(5)

    def stop(self) -> None:
        """Stop serving."""
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await self._one(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            self.disconnects += 1
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        line = await reader.readline()
        if not line:
            return False
        _, path, _ = line.decode().split(" ", 2)
        headers: dict[str, str] = {}
        while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = header.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        self.requests.append(Received(path, headers, json.loads(body or b"{}")))
        answer = self.script.pop(0) if self.script else text("Nothing more is scripted.")
        await self._answer(writer, answer)
        return True

    async def _answer(self, writer: asyncio.StreamWriter, answer: Answer) -> None:
        if answer.status != 200:
            head = (
                f"HTTP/1.1 {answer.status} Scripted\r\nContent-Type: {answer.content_type}\r\n"
                f"Content-Length: {len(answer.body)}\r\n\r\n"
            )
            writer.write(head.encode() + answer.body)
            await writer.drain()
            return
        head = f"HTTP/1.1 200 OK\r\nContent-Type: {answer.content_type}\r\nTransfer-Encoding: chunked\r\n\r\n"
        writer.write(head.encode())
        await writer.drain()
        if answer.stall:
            await asyncio.sleep(answer.stall)
        for chunk in answer.chunks:
            writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            await writer.drain()
            await asyncio.sleep(answer.gap)  # each chunk its own write: the client sees a real stream
        writer.write(b"0\r\n\r\n")
        await writer.drain()


async def _cancel_all() -> None:
    current = asyncio.current_task()
    pending = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


@contextlib.contextmanager
def scripted_server(*script: Answer) -> Iterator[ScriptedServer]:
    """A running scripted server; more answers may be appended to `script` while it runs."""
    server = ScriptedServer(list(script))
    server.start()
    try:
        yield server
    finally:
        server.stop()
