"""The reply audio cache: round trips, LRU eviction on disk, corruption and disk errors as misses; counts."""

from __future__ import annotations

import json
import os
from pathlib import Path

from assistant.tts.cache import AudioCache, CachedAudio, ReplyCounter, cache_key

KB = 1024


def audio(n: int, size: int = KB) -> CachedAudio:
    return CachedAudio(16000, bytes([n % 256]) * size)


def test_round_trip_survives_a_restart(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path, 64 * KB)
    key = cache_key("voice", "Turned on the light.")
    assert cache.get(key) is None
    assert cache.put(key, audio(1))
    again = AudioCache(tmp_path, 64 * KB)
    assert again.get(key) == audio(1)
    assert len(again) == 1 and again.size > KB


def test_key_depends_on_voice_and_text() -> None:
    keys = {cache_key("a", "Hi."), cache_key("b", "Hi."), cache_key("a", "Hi!")}
    assert len(keys) == 3


def test_least_recently_used_entries_are_evicted_first(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path, 3 * KB + 200, memory_bytes=0)
    keys = [cache_key("v", f"reply {n}") for n in range(4)]
    for n, key in enumerate(keys[:3]):
        assert cache.put(key, audio(n))
    assert cache.get(keys[0]) is not None  # now the most recent
    cache.put(keys[3], audio(3))
    assert keys[1] not in cache
    assert {k for k in keys if k in cache} == {keys[0], keys[2], keys[3]}
    assert not (tmp_path / f"{keys[1]}.pcm").exists()
    assert cache.size <= 3 * KB + 200


def test_use_order_survives_a_restart_and_a_smaller_budget_evicts(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path, 64 * KB)
    keys = [cache_key("v", f"reply {n}") for n in range(3)]
    for n, key in enumerate(keys):
        cache.put(key, audio(n))
        os.utime(tmp_path / f"{key}.pcm", ns=(n * 10**9, n * 10**9))
    os.utime(tmp_path / f"{keys[0]}.pcm", ns=(10**10, 10**10))  # used last
    smaller = AudioCache(tmp_path, 2 * KB + 100)
    assert keys[0] in smaller and keys[2] in smaller and keys[1] not in smaller


def test_corrupted_entry_is_a_miss_and_is_removed(tmp_path: Path) -> None:
    key = cache_key("v", "Done.")
    AudioCache(tmp_path, 64 * KB).put(key, audio(7))
    path = tmp_path / f"{key}.pcm"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    cache = AudioCache(tmp_path, 64 * KB)
    assert cache.get(key) is None
    assert not path.exists() and key not in cache
    path.write_bytes(b"HT")  # truncated
    assert AudioCache(tmp_path, 64 * KB).get(key) is None


def test_unwritable_cache_is_a_miss_not_a_crash(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = AudioCache(blocker / "tts", 64 * KB, memory_bytes=0)
    key = cache_key("v", "Done.")
    assert cache.put(key, audio(1)) is False
    assert cache.get(key) is None


def test_entry_larger_than_the_budget_is_not_stored(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path, KB)
    assert cache.put(cache_key("v", "long"), audio(1, 4 * KB)) is False
    assert len(cache) == 0


def test_clear_removes_every_entry(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path, 64 * KB)
    for n in range(3):
        cache.put(cache_key("v", str(n)), audio(n))
    assert cache.clear() == 3
    assert list(tmp_path.glob("*.pcm")) == [] and len(cache) == 0


def test_counter_ranks_by_use_with_decay_and_persists(tmp_path: Path) -> None:
    path = tmp_path / "replies.json"
    counter = ReplyCounter(path, half_life_days=1)
    day = 86_400.0
    for _ in range(4):
        counter.record("Turned on the old light.", now=0.0)
    for _ in range(3):
        counter.record("Turned on the kitchen light.", now=5 * day)
    counter.record("Locked the front door.", now=5 * day)
    # Four uses five days ago weigh less than three today.
    assert counter.top(2, now=5 * day) == ["Turned on the kitchen light.", "Locked the front door."]
    counter.save()
    again = ReplyCounter(path, half_life_days=1)
    assert again.top(1, now=5 * day) == ["Turned on the kitchen light."]


def test_counter_keeps_at_most_max_entries(tmp_path: Path) -> None:
    counter = ReplyCounter(tmp_path / "replies.json", max_entries=3)
    for n in range(5):
        counter.record(f"reply {n}", now=float(n))
    assert len(counter.top(10, now=5.0)) == 3


def test_damaged_counter_file_only_loses_the_history(tmp_path: Path) -> None:
    path = tmp_path / "replies.json"
    path.write_text("{not json")
    assert ReplyCounter(path).top(5) == []
    path.write_text(json.dumps({"version": 1, "replies": {"Done.": "oops"}}))
    assert ReplyCounter(path).top(5) == []
