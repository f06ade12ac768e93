"""Audio ends of a satellite: microphone and speaker (sounddevice), a wav file in, reply audio to a wav."""

from __future__ import annotations

import asyncio
import contextlib
import io
import queue
import threading
import wave
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

from .satellite import FRAME_MS
from .speech.audio import MAX_RATE, MIN_RATE
from .speech.corpus import CorpusError, read_wav

TRAILING_SILENCE_S = 1.0  # after a file, so the hub's VAD hears the utterance end
MIC_RATE = 16000


class AudioDeviceError(Exception):
    """No audio device (or no PortAudio): a message saying what to install or choose."""


FILES_INSTEAD = "use --input/--output files"  # what a satellite can do without PortAudio


def load_sounddevice(alternative: str = FILES_INSTEAD) -> ModuleType:
    """The sounddevice module, imported only when a microphone or speaker is really used."""
    try:
        import sounddevice  # type: ignore[import-untyped]
    except OSError as err:  # the wheel is pure Python; the PortAudio library comes from the system
        raise AudioDeviceError(
            f"PortAudio is missing ({err}): install it with `sudo apt install libportaudio2` "
            f"(or {alternative})"
        ) from err
    except ImportError as err:
        raise AudioDeviceError("the sounddevice package is missing: pip install sounddevice") from err
    module: ModuleType = sounddevice
    return module


class Player(Protocol):
    """Where reply audio goes."""

    def start(self, rate: int, channels: int) -> None: ...
    def write(self, data: bytes) -> None: ...
    async def drain(self) -> None: ...
    def stop(self) -> None: ...


class Microphone(Protocol):
    """Where live audio comes from: 16 kHz mono PCM16 frames."""

    async def open(self) -> None: ...
    def frames(self) -> AsyncIterator[bytes]: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...


class DeviceMicrophone:
    """The default input device through PortAudio, in 20 ms frames.

    `alternative` is what the missing-PortAudio error suggests doing instead.
    """

    def __init__(self, device: str | int | None = None, *, alternative: str = FILES_INSTEAD) -> None:
        self._device = device
        self._alternative = alternative
        self._queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=500)  # 10 s; older audio is dropped
        self._stream: Any = None

    async def open(self) -> None:
        sd = load_sounddevice(self._alternative)
        loop = asyncio.get_running_loop()

        def callback(indata: Any, _frames: int, _time: Any, _status: Any) -> None:
            loop.call_soon_threadsafe(self._put, bytes(indata))

        try:
            self._stream = sd.RawInputStream(
                samplerate=MIC_RATE,
                channels=1,
                dtype="int16",
                blocksize=MIC_RATE * FRAME_MS // 1000,
                device=self._device,
                callback=callback,
            )
            self._stream.start()
        except Exception as err:  # PortAudioError and ValueError (no such device) both just say why
            raise AudioDeviceError(
                f"cannot open the microphone: {err} (`python -m sounddevice` lists the devices)"
            ) from err

    def _put(self, data: bytes) -> None:
        if self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(data)

    async def frames(self) -> AsyncIterator[bytes]:
        while True:
            yield await self._queue.get()

    def flush(self) -> None:
        while not self._queue.empty():
            self._queue.get_nowait()

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None


class DevicePlayer:
    """The default output device; chunks are written from a thread so the event loop never blocks."""

    def __init__(self, device: str | int | None = None) -> None:
        self._device = device
        self._stream: Any = None
        self._chunks: queue.SimpleQueue[bytes] | None = None  # b"" ends the writer thread
        self._writer: asyncio.Future[None] | None = None

    def start(self, rate: int, channels: int) -> None:
        self.stop()
        sd = load_sounddevice()
        try:
            self._stream = sd.RawOutputStream(
                samplerate=rate, channels=channels, dtype="int16", device=self._device
            )
            self._stream.start()
        except Exception as err:
            raise AudioDeviceError(f"cannot open the speaker: {err}") from err
        self._chunks = queue.SimpleQueue()
        loop = asyncio.get_running_loop()
        self._writer = loop.run_in_executor(None, _write_all, self._stream, self._chunks)

    def write(self, data: bytes) -> None:
        if self._chunks is not None and data:
            self._chunks.put(data)

    async def drain(self) -> None:
        """Wait until everything written has been played."""
        writer, stream, chunks = self._writer, self._stream, self._chunks
        if writer is None or chunks is None:
            return
        self._writer = self._chunks = None  # the stream stays, so that stop() can still cut it short
        chunks.put(b"")
        await writer
        if self._stream is stream:
            with contextlib.suppress(Exception):  # stopped meanwhile: nothing left to play out
                await asyncio.to_thread(stream.stop)  # stop() lets the buffered audio play out
        if self._stream is stream:
            self._stream = None
            stream.close()

    def stop(self) -> None:
        """Stop at once (a new turn barges in)."""
        stream, chunks = self._stream, self._chunks
        self._writer = self._stream = self._chunks = None
        if chunks is not None:
            chunks.put(b"")
        if stream is not None:
            with contextlib.suppress(Exception):  # PortAudio may already have closed it
                stream.abort()
                stream.close()


def _write_all(stream: Any, chunks: queue.SimpleQueue[bytes]) -> None:
    while chunk := chunks.get():
        try:
            stream.write(chunk)
        except Exception:  # the stream was aborted under us (barge-in): nothing left to play
            return


class WavCollector:
    """Collects reply audio for --output; `wav()` is the file's content."""

    def __init__(self) -> None:
        self.rate: int | None = None
        self.channels = 1
        self._chunks: list[bytes] = []

    def start(self, rate: int, channels: int) -> None:
        self.rate, self.channels, self._chunks = rate, channels, []

    def write(self, data: bytes) -> None:
        self._chunks.append(data)

    async def drain(self) -> None:
        return None

    def stop(self) -> None:
        return None

    @property
    def pcm(self) -> bytes:
        return b"".join(self._chunks)

    def wav(self) -> bytes:
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            out.setnchannels(self.channels)
            out.setsampwidth(2)
            out.setframerate(self.rate or 16000)
            out.writeframes(self.pcm)
        return buffer.getvalue()


class WavInput:
    """A PCM16 wav file checked up front, streamed in 20 ms frames and followed by silence."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise CorpusError(f"{path}: no such file")
        fmt, self.pcm = read_wav(path)
        if not MIN_RATE <= fmt.rate <= MAX_RATE or fmt.channels not in (1, 2):
            raise CorpusError(
                f"{path}: {fmt.rate} Hz, {fmt.channels} channels; the hub takes {MIN_RATE}-{MAX_RATE} Hz, "
                "mono or stereo"
            )
        if not self.pcm:
            raise CorpusError(f"{path}: the file has no audio")
        self.rate, self.channels = fmt.rate, fmt.channels

    async def frames(self, *, realtime: bool) -> AsyncIterator[bytes]:
        """The file's frames, then ~1 s of silence; paced like a microphone unless `realtime` is off."""
        step = self.rate * self.channels * 2 * FRAME_MS // 1000
        silence = bytes(int(self.rate * TRAILING_SILENCE_S) * self.channels * 2)
        data = self.pcm + silence
        for offset in range(0, len(data), step):
            yield data[offset : offset + step]
            if realtime:
                await asyncio.sleep(FRAME_MS / 1000)
            else:
                await asyncio.sleep(0)  # let received events (vad-end) be handled between frames


class KeyboardLines:
    """Enter presses from stdin, read by a daemon thread so a blocked read never holds up exit."""

    def __init__(self, stream: Any) -> None:
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._stream = stream

    def start(self) -> None:
        loop = asyncio.get_running_loop()

        def read() -> None:
            while True:
                line = self._stream.readline()
                with contextlib.suppress(RuntimeError):  # the loop closed: nobody listens any more
                    loop.call_soon_threadsafe(self._queue.put_nowait, line if line else None)
                if not line:
                    return

        threading.Thread(target=read, name="hearth-keyboard", daemon=True).start()

    async def __aiter__(self) -> AsyncIterator[str]:
        while True:
            line = await self._queue.get()
            if line is None:
                return
            yield line
