"""A controllable TTS engine for tests: sentences released one by one, failures on demand."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from assistant.tts.engine import PCM16

SENTENCE = b"\x01\x00" * 2000


class GatedEngine:
    """Yields one sentence, then waits for `go` before each further one; can fail on demand."""

    name = "gated"
    voice_id = "gated:1"
    rate = 16000
    format = PCM16

    def __init__(self, sentences: int = 2, fail_after: int | None = None) -> None:
        self.sentences = sentences
        self.fail_after = fail_after
        self.go = threading.Event()
        self.rendered = 0
        self.closed = threading.Event()

    def synthesize(self, text: str) -> Iterator[bytes]:
        try:
            for n in range(self.sentences):
                if n:
                    self.go.wait(5)
                if self.fail_after is not None and n >= self.fail_after:
                    raise RuntimeError("voice model exploded")
                self.rendered += 1
                yield SENTENCE
        finally:
            self.closed.set()

    def close(self) -> None:
        pass
