"""`hearth say`: a small WebSocket client that sends text (or .wav) runs and prints events as they arrive."""

from __future__ import annotations

import asyncio
import json
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from .events import PROTOCOL_VERSION
from .speech.corpus import read_wav

FRAME_MS = 40  # audio goes out in frames this long, paced like a live microphone


@dataclass(frozen=True, slots=True)
class SayOptions:
    """What to send and how to print it."""

    url: str
    token: str
    texts: tuple[str, ...]
    area: str | None = None
    as_json: bool = False
    show_context: bool = False
    timeout: float = 15.0
    tls: ssl.SSLContext | None = None


def describe(event: dict[str, Any]) -> str:
    """One readable line for an event."""
    kind = event.get("type", "?")
    if kind == "intent":
        slots = " ".join(
            f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in event.get("slots", {}).items()
        )
        return (
            f"intent     {event['name']} {slots}  ({event.get('source')}, {event.get('confidence', 0):.2f})"
        )
    if kind == "action":
        status = "ok" if event.get("ok") else f"FAILED {event.get('code')}: {event.get('message', '')}"
        where = (
            f"{event.get('topic')} {event.get('payload')}" if event.get("topic") else "(nothing published)"
        )
        return f"action     {event['device']} {event['command']}  {where}  {status}"
    if kind == "transcript":
        return f"heard      {event['text']}" + ("  …" if event.get("partial") else "")
    if kind == "reply":
        return f"reply      {event['text']}"
    if kind == "error":
        return f"error      {event['code']}: {event.get('message', '')}"
    if kind == "run-end":
        timings = ", ".join(f"{k} {v:.2f} ms" for k, v in event.get("timings", {}).items())
        return f"run-end    {'ok' if event.get('ok') else 'not ok'}  {timings}"
    if kind == "state":
        return f"state      {event['device']} {json.dumps(event['state'])}"
    if kind == "context":
        lines = [f"context    {len(event['turns'])} turn(s)"]
        lines += [
            f"  - {t['text']!r} -> {t['intent']} {t['devices']}: {t['reply']!r}" for t in event["turns"]
        ]
        return "\n".join(lines)
    rest = {k: v for k, v in event.items() if k not in ("type", "id")}
    return f"{kind:<10} {json.dumps(rest, ensure_ascii=False) if rest else ''}".rstrip()


async def _events_until(ws: ClientConnection, kinds: set[str], opts: SayOptions) -> bool:
    """Print events until one of `kinds` arrives; return its `ok` (True when it has none)."""
    while True:
        raw = await asyncio.wait_for(ws.recv(), opts.timeout)
        if isinstance(raw, bytes):
            continue
        event = json.loads(raw)
        if event.get("type") in ("state", "home") and not opts.as_json:
            continue  # the home's description and device chatter would drown the answer
        print(json.dumps(event, ensure_ascii=False) if opts.as_json else describe(event), flush=True)
        if event.get("type") in kinds:
            return bool(event.get("ok", True))
        if event.get("type") == "error" and event.get("code") == "unauthorized":
            return False


async def say(opts: SayOptions) -> int:
    """Send each text as a run in one session; exit status 0 when every run ended ok."""
    all_ok = True
    async with connect(opts.url, ssl=opts.tls, open_timeout=opts.timeout) as ws:
        hello: dict[str, Any] = {
            "type": "hello",
            "token": opts.token,
            "client": "hearth-say",
            "protocol": PROTOCOL_VERSION,
        }
        if opts.area:
            hello["area"] = opts.area
        await ws.send(json.dumps(hello))
        if not await _events_until(ws, {"welcome"}, opts):
            return 1
        for number, text in enumerate(opts.texts, 1):
            run_id = f"say-{number}"
            if text.lower().endswith(".wav"):
                await _stream_wav(ws, run_id, Path(text))
            else:
                await ws.send(json.dumps({"type": "run", "id": run_id, "text": text}))
            all_ok = await _events_until(ws, {"run-end"}, opts) and all_ok
        if opts.show_context:
            await ws.send(json.dumps({"type": "context", "id": "context"}))
            await _events_until(ws, {"context"}, opts)
    return 0 if all_ok else 1


async def _stream_wav(ws: ClientConnection, run_id: str, path: Path) -> None:
    """Send a PCM16 wav file as an audio run, in real time like a microphone, then audio-end."""
    fmt, pcm = await asyncio.to_thread(read_wav, path)
    audio = {"rate": fmt.rate, "width": fmt.width, "channels": fmt.channels}
    await ws.send(json.dumps({"type": "run", "id": run_id, "audio": audio}))
    step = fmt.rate * fmt.channels * fmt.width * FRAME_MS // 1000
    for offset in range(0, len(pcm), step):
        await ws.send(pcm[offset : offset + step])
        await asyncio.sleep(FRAME_MS / 1000)
    await ws.send(json.dumps({"type": "audio-end", "id": run_id}))
