"""`hearth adapt record`: the microphone, keyboard and file ends of a recording session (asyncio)."""

from __future__ import annotations

import os
import wave
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from pathlib import Path

from .satellite_audio import DeviceMicrophone, Microphone
from .speech.asr import SAMPLE_RATE, SAMPLE_WIDTH, VadSettings
from .speech.record import LISTING, Finish, Record, RecordSession, Save, Show, Step, Take, TakeCapture
from .speech.vad import SileroVad


def microphone_for(device: str | None, folder: Path) -> Microphone:
    """The input device by name or number (None: the system's default) through PortAudio."""
    chosen: str | int | None = int(device) if device is not None and device.isdigit() else device
    # What the missing-PortAudio error suggests instead.
    instead = f"record `hearth adapt prompts` with another program, then `hearth adapt build {folder}`"
    return DeviceMicrophone(chosen, alternative=instead)


async def record(
    session: RecordSession,
    microphone: Microphone,
    keys: AsyncIterator[str],
    vad: SileroVad,
    settings: VadSettings,
    folder: Path,
    show: Callable[[str], None] = print,
) -> Finish:
    """Run `session` to its end: show its lines, read keys, record takes and write them into `folder`.

    The end of the keyboard input counts as q. The microphone is opened first (AudioDeviceError says why
    it cannot be) and closed at the end.
    """
    await microphone.open()
    try:
        steps: deque[Step] = deque(session.start())
        while True:
            if not steps:
                line = await anext(keys, None)
                steps.extend(session.key("q" if line is None else line))
                continue
            step = steps.popleft()
            if isinstance(step, Show):
                show(step.line)
            elif isinstance(step, Record):
                steps.extend(session.took(await capture(microphone, vad, settings)))
            elif isinstance(step, Save):
                write_take(folder, step)
                steps.extend(session.saved(step))
            else:
                return step
    finally:
        microphone.close()


async def capture(microphone: Microphone, vad: SileroVad, settings: VadSettings) -> Take:
    """One take from the microphone, ended by the hub's VAD (the audio before it is dropped)."""
    take = TakeCapture(settings, vad.stream().process)
    microphone.flush()
    frames = microphone.frames()
    try:
        async for frame in frames:
            # Silero scores a 32 ms window in well under a millisecond: no need to leave the event loop.
            if take.feed(frame):
                break
    finally:
        if isinstance(frames, AsyncGenerator):
            await frames.aclose()
    return take.end()


def write_take(folder: Path, save: Save) -> None:
    """Write the take's wav (16 kHz mono PCM16) under a temporary name, rename it, then list it."""
    target = folder / save.name
    partial = folder / f".{save.name}.partial"
    try:
        with partial.open("wb") as handle:
            with wave.open(handle, "wb") as out:
                out.setnchannels(1)
                out.setsampwidth(SAMPLE_WIDTH)
                out.setframerate(SAMPLE_RATE)
                out.writeframes(save.pcm)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    if save.new:
        append_line(folder / LISTING, save.line)


def append_line(path: Path, line: str) -> None:
    """Append one line to a text file (starting a new line if its last one has no end), synced to disk."""
    separator = ""
    if path.is_file() and path.stat().st_size:
        with path.open("rb") as handle:
            handle.seek(-1, os.SEEK_END)
            separator = "" if handle.read(1) == b"\n" else "\n"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(separator + line)
        handle.flush()
        os.fsync(handle.fileno())
