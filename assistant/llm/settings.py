"""The `llm:` section of hearth.yaml: an OpenAI-compatible endpoint, validated at load time."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

LLM_KEYS = {"url", "model", "api_key", "timeout", "max_tokens", "max_tool_rounds", "system_prompt"}
DataPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class LlmSettings:
    """Where the model is served and how long and how far a run may go with it."""

    url: str  # the /v1 base, e.g. http://127.0.0.1:8080/v1
    model: str
    api_key: str | None = field(default=None, repr=False)  # a secret: never logged, never in repr
    timeout: float = 30.0  # seconds to connect, and at most between two chunks of the stream
    max_tokens: int = 512
    max_tool_rounds: int = 4  # model turns that may call tools before the run gives up
    system_prompt: str | None = None  # added to Hearth's own system prompt

    @property
    def endpoint(self) -> str:
        """The chat completions URL."""
        return self.url.rstrip("/") + "/chat/completions"


class Checker(Protocol):
    """What reading a section needs of assistant.config's checker (kept structural to avoid a cycle)."""

    def add(self, path: DataPath, message: str) -> None: ...

    def mapping(self, value: Any, path: DataPath, allowed: set[str]) -> dict[str, Any]: ...

    def typed(self, value: Any, path: DataPath, kind: type | tuple[type, ...], default: Any) -> Any: ...

    def positive(self, value: Any, path: DataPath, default: float) -> float: ...


def read_llm(c: Checker, raw: Any) -> LlmSettings | None:
    """Validate the `llm:` section; None when it is absent (the hub then answers out-of-domain honestly)."""
    if raw is None:
        return None
    path: DataPath = ("llm",)
    llm = c.mapping(raw, path, LLM_KEYS)
    if not llm:
        return None
    url = c.typed(llm.get("url"), (*path, "url"), str, "")
    if not url:
        c.add(
            path,
            "missing key 'url' (the /v1 base of an OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1)",
        )
    else:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            c.add((*path, "url"), f"{url!r} is not an http:// or https:// URL like http://127.0.0.1:8080/v1")
        elif parts.username or parts.password:
            c.add((*path, "url"), "put the key in llm.api_key (e.g. !secret llm_key), not in the URL")
    model = c.typed(llm.get("model"), (*path, "model"), str, "")
    if not model:
        c.add(path, "missing key 'model' (the model name the server knows, e.g. qwen2.5-7b-instruct)")
    api_key = c.typed(llm.get("api_key"), (*path, "api_key"), str, None) or None
    timeout = c.positive(llm.get("timeout"), (*path, "timeout"), 30.0)
    max_tokens = _bounded(c, llm.get("max_tokens"), (*path, "max_tokens"), 512, 16, 32768)
    rounds = _bounded(c, llm.get("max_tool_rounds"), (*path, "max_tool_rounds"), 4, 0, 16)
    prompt = c.typed(llm.get("system_prompt"), (*path, "system_prompt"), str, None)
    return LlmSettings(url, model, api_key, timeout, max_tokens, rounds, prompt or None)


def _bounded(c: Checker, value: Any, path: DataPath, default: int, low: int, high: int) -> int:
    number: int = c.typed(value, path, int, default)
    if not low <= number <= high:
        c.add(path, f"must be between {low} and {high}")
        return default
    return number
