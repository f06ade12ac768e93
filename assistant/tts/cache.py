"""The reply audio cache (text + voice → PCM on disk, LRU-bounded) and the counter of frequent replies."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import re
import struct
import threading
import time
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from intents.cachefiles import write_atomic

log = logging.getLogger("hearth.tts.cache")

MAGIC = b"HTT1"
HEADER = struct.Struct("<4sIII")  # magic, sample rate, data length, crc32 of the data
SUFFIX = ".pcm"
_NAME = re.compile(r"^[0-9a-f]{32}\.pcm$")


@dataclass(frozen=True, slots=True)
class CachedAudio:
    """Audio of one reply, as it was synthesised."""

    rate: int
    pcm: bytes


def cache_key(voice_id: str, text: str) -> str:
    """The cache key of a reply: the voice and the exact text that was spoken."""
    return hashlib.sha256(f"{voice_id}\0{text}".encode()).hexdigest()[:32]


class AudioCache:
    """Reply audio on disk under `directory`, at most `max_bytes`, least recently used evicted first.

    The most recently used entries are also kept in memory (`memory_bytes`), so a hot reply is served
    without touching the disk. Thread-safe: synthesis threads store while the event loop reads.
    """

    def __init__(self, directory: Path, max_bytes: int, *, memory_bytes: int = 8 * 1024 * 1024) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self.memory_bytes = min(memory_bytes, max_bytes)
        self._lock = threading.Lock()
        self._disk: OrderedDict[str, int] = OrderedDict()  # key -> file size, least recent first
        self._memory: OrderedDict[str, CachedAudio] = OrderedDict()
        self._memory_size = 0
        self._scan()

    @property
    def size(self) -> int:
        """Bytes the cache holds on disk."""
        with self._lock:
            return sum(self._disk.values())

    def __len__(self) -> int:
        with self._lock:
            return len(self._disk)

    def __contains__(self, key: str) -> bool:
        with self._lock:
            return key in self._disk or key in self._memory

    def in_memory(self, key: str) -> CachedAudio | None:
        """The entry when it is held in memory (no disk access, safe on the event loop), else None."""
        with self._lock:
            found = self._memory.get(key)
            if found is not None:
                self._memory.move_to_end(key)
                if key in self._disk:
                    self._disk.move_to_end(key)
            return found

    def get(self, key: str) -> CachedAudio | None:
        """The entry from memory or disk; a missing, unreadable or corrupted entry is a miss."""
        found = self.in_memory(key)
        if found is not None:
            self._touch(key)
            return found
        with self._lock:
            if key not in self._disk:
                return None
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            self._forget(key)
            return None
        audio = _decode(data)
        if audio is None:
            log.warning("dropping corrupted cache entry %s", path)
            self._forget(key, unlink=True)
            return None
        with self._lock:
            if key in self._disk:
                self._disk.move_to_end(key)
            self._remember(key, audio)
        self._touch(key)
        return audio

    def put(self, key: str, audio: CachedAudio) -> bool:
        """Store an entry (evicting the least recently used); False when the disk refused it."""
        blob = _encode(audio)
        if len(blob) > self.max_bytes:
            return False
        with self._lock:
            self._remember(key, audio)
        try:
            write_atomic(self._path(key), blob)
        except OSError as err:  # a full or read-only disk costs a cache miss later, never the reply
            log.warning("cannot cache reply audio in %s: %s", self.directory, err)
            return False
        with self._lock:
            self._disk[key] = len(blob)
            self._disk.move_to_end(key)
            victims = self._evict()
        for victim in victims:
            self._path(victim).unlink(missing_ok=True)
        return True

    def clear(self) -> int:
        """Delete every entry; returns how many files went."""
        with self._lock:
            keys = list(self._disk)
            self._disk.clear()
            self._memory.clear()
            self._memory_size = 0
        for key in keys:
            self._path(key).unlink(missing_ok=True)
        return len(keys)

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}{SUFFIX}"

    def _scan(self) -> None:
        """Index the entries already on disk, oldest use first (file times record each use)."""
        if not self.directory.is_dir():
            return
        found = []
        for path in self.directory.iterdir():
            if _NAME.match(path.name):
                try:
                    stat = path.stat()
                except OSError:
                    continue
                found.append((stat.st_mtime_ns, path.stem, stat.st_size))
            elif path.suffix == ".tmp":
                path.unlink(missing_ok=True)  # a write interrupted by a crash
        for _, key, size in sorted(found):
            self._disk[key] = size
        for victim in self._evict():  # the budget may have shrunk since the last run
            self._path(victim).unlink(missing_ok=True)

    def _evict(self) -> list[str]:
        """Drop least recently used entries over the budget; the caller deletes their files (lock held)."""
        victims = []
        total = sum(self._disk.values())
        while total > self.max_bytes and self._disk:
            key, size = self._disk.popitem(last=False)
            total -= size
            victims.append(key)
            dropped = self._memory.pop(key, None)
            if dropped is not None:
                self._memory_size -= len(dropped.pcm)
        return victims

    def _remember(self, key: str, audio: CachedAudio) -> None:
        """Keep an entry in memory, dropping the least recent ones over the memory budget (lock held)."""
        if key in self._memory or len(audio.pcm) > self.memory_bytes:
            return
        self._memory[key] = audio
        self._memory_size += len(audio.pcm)
        while self._memory_size > self.memory_bytes:
            _, old = self._memory.popitem(last=False)
            self._memory_size -= len(old.pcm)

    def _forget(self, key: str, *, unlink: bool = False) -> None:
        with self._lock:
            self._disk.pop(key, None)
        if unlink:
            self._path(key).unlink(missing_ok=True)

    def _touch(self, key: str) -> None:
        # The file time is the use time: the LRU order survives a restart.
        with contextlib.suppress(OSError):
            os.utime(self._path(key))


def _encode(audio: CachedAudio) -> bytes:
    return HEADER.pack(MAGIC, audio.rate, len(audio.pcm), zlib.crc32(audio.pcm)) + audio.pcm


def _decode(data: bytes) -> CachedAudio | None:
    """The entry, or None when the file is truncated or damaged (never wrong audio)."""
    if len(data) < HEADER.size:
        return None
    magic, rate, length, crc = HEADER.unpack_from(data)
    pcm = data[HEADER.size :]
    if magic != MAGIC or length != len(pcm) or zlib.crc32(pcm) != crc or rate <= 0:
        return None
    return CachedAudio(rate, pcm)


class ReplyCounter:
    """How often each confirmation was spoken, decaying with age, persisted in a small JSON file."""

    def __init__(self, path: Path, *, half_life_days: float = 14.0, max_entries: int = 500) -> None:
        self.path = path
        self.half_life = half_life_days * 86_400
        self.max_entries = max_entries
        self._counts: dict[str, tuple[float, float]] = {}  # text -> (count at `last`, last use time)
        self._dirty = False
        self._load()

    def record(self, text: str, now: float | None = None) -> None:
        """Count one more use of a reply."""
        now = time.time() if now is None else now
        self._counts[text] = (self._score(text, now) + 1.0, now)
        self._dirty = True
        if len(self._counts) > self.max_entries:
            weakest = min(self._counts, key=lambda t: self._score(t, now))
            del self._counts[weakest]

    def top(self, limit: int, now: float | None = None) -> list[str]:
        """The `limit` replies used most, recent use weighing more."""
        now = time.time() if now is None else now
        ranked = sorted(self._counts, key=lambda t: (-self._score(t, now), t))
        return ranked[:limit]

    def save(self) -> None:
        """Write the counts when they changed (atomically, so a crash never leaves half a file)."""
        if not self._dirty:
            return
        snapshot = dict(self._counts)  # record() may run on the event loop meanwhile
        replies = {t: [round(c, 4), round(at, 1)] for t, (c, at) in snapshot.items()}
        data = {"version": 1, "replies": replies}
        try:
            write_atomic(self.path, json.dumps(data, ensure_ascii=False).encode())
            self._dirty = False
        except OSError as err:
            log.warning("cannot save reply counts to %s: %s", self.path, err)

    def _score(self, text: str, now: float) -> float:
        count, at = self._counts.get(text, (0.0, now))
        return count * math.pow(0.5, max(0.0, now - at) / self.half_life)

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_text())
            replies = data["replies"]
            self._counts = {
                str(text): (float(count), float(at))
                for text, (count, at) in replies.items()
                if isinstance(text, str)
            }
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError) as err:  # a damaged file only loses the history
            log.warning("ignoring unreadable reply counts in %s: %s", self.path, err)
            self._counts = {}
