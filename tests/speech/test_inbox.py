"""The audio inbox between a connection reader and the pipeline: bounded, closable, stall-aware."""

from __future__ import annotations

import asyncio

import pytest

from assistant.speech.inbox import AudioInbox


async def test_frames_come_out_joined_in_order_then_none_after_end() -> None:
    inbox = AudioInbox()
    await inbox.put(b"ab")
    await inbox.put(b"cd")
    assert await inbox.get(1) == b"abcd"
    await inbox.put(b"ef")
    inbox.end()
    await inbox.put(b"late")  # after audio-end nothing more belongs to the utterance
    assert await inbox.get(1) == b"ef"
    assert await inbox.get(1) is None
    assert inbox.received_bytes == 6


async def test_a_full_inbox_makes_the_writer_wait_until_the_reader_catches_up() -> None:
    inbox = AudioInbox(max_frames=2)
    await inbox.put(b"1")
    await inbox.put(b"2")
    writer = asyncio.create_task(inbox.put(b"3"))
    await asyncio.sleep(0.01)
    assert not writer.done(), "the reader of this client waits: backpressure, not unbounded memory"
    assert await inbox.get(1) == b"12"
    await asyncio.wait_for(writer, 1)
    assert await inbox.get(1) == b"3"


async def test_closing_releases_a_waiting_writer_and_drops_later_frames() -> None:
    inbox = AudioInbox(max_frames=1)
    await inbox.put(b"1")
    writer = asyncio.create_task(inbox.put(b"2"))
    await asyncio.sleep(0.01)
    inbox.close()
    await asyncio.wait_for(writer, 1)
    await inbox.put(b"3")
    assert inbox.closed and await inbox.get(1) is None


async def test_a_stalled_client_times_out() -> None:
    inbox = AudioInbox()
    with pytest.raises(TimeoutError):
        await inbox.get(0.05)
