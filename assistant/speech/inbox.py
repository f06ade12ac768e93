"""Audio frames of one run, from the connection reader to the pipeline: bounded, closable, stall-aware."""

from __future__ import annotations

import asyncio
from collections import deque


class AudioInbox:
    """A bounded frame queue: a full inbox makes the reader wait (TCP backpressure on that client only)."""

    def __init__(self, max_frames: int = 64) -> None:
        self._frames: deque[bytes] = deque()
        self._max_frames = max_frames
        self._ended = False
        self._closed = False
        self._readable = asyncio.Event()
        self._writable = asyncio.Event()
        self._writable.set()
        self.received_bytes = 0

    @property
    def closed(self) -> bool:
        """The pipeline no longer wants audio for this run."""
        return self._closed

    async def put(self, data: bytes) -> None:
        """Queue a frame, waiting while the inbox is full; frames for a closed or ended inbox are dropped."""
        while not (self._closed or self._ended) and len(self._frames) >= self._max_frames:
            self._writable.clear()
            await self._writable.wait()
        if self._closed or self._ended:
            return
        self._frames.append(data)
        self.received_bytes += len(data)
        self._readable.set()

    def end(self) -> None:
        """The client sent audio-end: what is queued is the rest of the utterance."""
        self._ended = True
        self._readable.set()

    def close(self) -> None:
        """The pipeline is done listening: drop what is queued and release a waiting reader."""
        self._closed = True
        self._frames.clear()
        self._readable.set()
        self._writable.set()

    async def get(self, stall_seconds: float) -> bytes | None:
        """Every frame queued so far, joined (one hop per batch, not per frame); None once the audio ended.

        Raises TimeoutError when the client sends nothing for `stall_seconds` mid-utterance.
        """
        while not self._frames:
            if self._ended or self._closed:
                return None
            self._readable.clear()
            await asyncio.wait_for(self._readable.wait(), stall_seconds)
        data = b"".join(self._frames)
        self._frames.clear()
        self._writable.set()
        return data
