"""The thin asyncio adapter to an OpenAI-compatible server: POST /chat/completions, pump its SSE stream."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

from .settings import LlmSettings
from .sse import ChatStream, Completion, LlmError, SseDecoder

log = logging.getLogger("hearth.llm")

TextSink = Callable[[str], None]


class LlmClient:
    """One HTTP connection pool to the model server, shared by every run of the hub."""

    def __init__(self, settings: LlmSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        headers = {"Accept": "text/event-stream"}
        if settings.api_key:
            headers["Authorization"] = f"Bearer {settings.api_key}"
        # `timeout` bounds connecting and every wait for the next chunk, so a silent server never hangs a run.
        self._http = httpx.AsyncClient(
            headers=headers, timeout=httpx.Timeout(settings.timeout), transport=transport
        )

    def __repr__(self) -> str:
        return f"LlmClient(url={self.settings.url!r}, model={self.settings.model!r})"

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    def body(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> dict[str, Any]:
        """The JSON request of one model turn."""
        body: dict[str, Any] = {
            "model": self.settings.model,
            "messages": messages,
            "stream": True,
            "max_tokens": self.settings.max_tokens,
        }
        if tools:
            body["tools"] = tools
            body["tool_choice"] = "auto"
        return body

    async def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]], on_text: TextSink
    ) -> Completion:
        """Stream one model turn, handing each text piece to `on_text`; raise LlmError on any failure."""
        stream = ChatStream()
        try:
            async for data in self._events(self.body(messages, tools)):
                text = stream.feed(data)
                if text:
                    on_text(text)
                if stream.done:
                    break
        except httpx.TimeoutException as err:
            raise LlmError(
                "llm-timeout", f"the model server did not answer within {self.settings.timeout:g} s"
            ) from err
        except httpx.HTTPError as err:
            raise LlmError("llm-unavailable", f"cannot reach the model server: {type(err).__name__}") from err
        return stream.result()

    async def _events(self, body: dict[str, Any]) -> AsyncIterator[str]:
        decoder = SseDecoder()
        async with self._http.stream("POST", self.settings.endpoint, json=body) as response:
            if response.status_code >= 400:
                raise _status_error(response.status_code, await _detail(response))
            kind = response.headers.get("content-type", "")
            if "text/event-stream" not in kind:
                raise LlmError(
                    "llm-bad-response", f"expected an event stream, got {kind or 'no content type'!r}"
                )
            async for chunk in response.aiter_bytes():
                for data in decoder.feed(chunk):
                    yield data
            for data in decoder.close():
                yield data


def _status_error(status: int, detail: str) -> LlmError:
    if status in (401, 403):
        return LlmError("llm-unauthorized", f"the model server refused the key (HTTP {status}){detail}")
    if status < 500:
        return LlmError("llm-rejected", f"the model server rejected the request (HTTP {status}){detail}")
    return LlmError("llm-unavailable", f"the model server failed (HTTP {status}){detail}")


async def _detail(response: httpx.Response) -> str:
    """A short piece of the error body: servers name the problem there ("model not found")."""
    try:
        text = (await response.aread()).decode("utf-8", "replace").strip()
    except httpx.HTTPError:
        return ""
    return f": {' '.join(text.split())[:200]}" if text else ""
