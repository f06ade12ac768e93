"""Sans-I/O building of the conversation sent to the model: system prompt, recent turns, text and image."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import TYPE_CHECKING, Any

from devices.registry import Registry

from .sse import LlmError

if TYPE_CHECKING:
    from .route import LlmTurn

HISTORY_TURNS = 5  # the "last five turns of the session"
MAX_IMAGE_BYTES = 4 * 1024 * 1024  # decoded; a phone photo scaled for a model fits well under this
_MAGIC = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}

SYSTEM_PROMPT = (
    "You are Hearth, the voice assistant of a home. Your replies are read aloud: answer in one to three "
    "short plain sentences, without markdown, lists or emoji. Use the tools to control devices or to read "
    "their current state; say a device changed only when its tool result says ok. If a tool refuses, tell "
    "the user why in a few words. Do not invent devices: use only the ids the tools list."
)


def build_messages(
    turn: LlmTurn, registry: Registry, addition: str | None, now: float
) -> list[dict[str, Any]]:
    """The messages of a model request: instructions, the last five turns, then the user's request."""
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": system_prompt(turn, registry, addition, now)}
    ]
    for past in list(turn.history)[-HISTORY_TURNS:]:
        if past.text:
            messages.append({"role": "user", "content": past.text})
        if past.reply:
            messages.append({"role": "assistant", "content": past.reply})
    content: str | list[dict[str, Any]] = turn.text
    if turn.image is not None:
        content = [
            {"type": "text", "text": turn.text},
            {"type": "image_url", "image_url": {"url": image_url(turn.image)}},
        ]
    messages.append({"role": "user", "content": content})
    return messages


def system_prompt(turn: LlmTurn, registry: Registry, addition: str | None, now: float) -> str:
    """Hearth's instructions, where the user is, what the home has, and the config's own addition."""
    areas = {a.id: a.name for a in registry.areas()}
    moment = dt.datetime.fromtimestamp(now).astimezone()
    lines = [SYSTEM_PROMPT, f"It is now {moment.strftime('%A %d %B %Y, %H:%M')}."]
    if turn.area:
        lines.append(f"The user is speaking in the {areas.get(turn.area, turn.area)} (area id {turn.area}).")
    lines.append("Rooms of the home: " + ", ".join(f"{name} ({i})" for i, name in areas.items()) + ".")
    if turn.allowed is not None:
        rooms = ", ".join(areas.get(a, a) for a in sorted(turn.allowed)) or "none"
        lines.append(f"This user may only control devices in: {rooms}.")
    if addition:
        lines.append(addition.strip())
    return "\n".join(lines)


def image_url(image: str) -> str:
    """A data: URL for a client's base64 JPEG or PNG (or data: URL); LlmError when it is neither."""
    if image.startswith("data:"):
        _, _, image = image.partition(",")
    image = "".join(image.split())  # base64 wrapped over lines is still base64
    if len(image) > MAX_IMAGE_BYTES * 4 // 3 + 4:
        raise LlmError("bad-image", f"the image is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MiB")
    try:
        data = base64.b64decode(image, validate=True)
    except (binascii.Error, ValueError) as err:
        raise LlmError("bad-image", "the image is not valid base64") from err
    kind = next((mime for magic, mime in _MAGIC.items() if data.startswith(magic)), None)
    if kind is None:
        raise LlmError("bad-image", "the image is neither JPEG nor PNG")
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"
