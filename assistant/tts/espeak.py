"""espeak-ng (the Debian package), the fallback engine: a subprocess whose WAV output streams as it comes."""

from __future__ import annotations

import contextlib
import shutil
import struct
import subprocess
from collections.abc import Iterator

from .engine import PCM16, TtsError

PROGRAM = "espeak-ng"
WORDS_PER_MINUTE = 175  # espeak-ng's own default pace, scaled by `tts.speed`
WAV_HEADER = 44  # espeak-ng writes a plain 44-byte RIFF header before the samples
READ_BYTES = 4096  # ~90 ms at 22 050 Hz: small enough that the first audio leaves early


class EspeakEngine:
    """Speaks with an espeak-ng voice; checks at start-up that the program and the voice exist."""

    name = "espeak-ng"
    format = PCM16

    def __init__(self, voice: str = "en-us", *, speed: float = 1.0) -> None:
        program = shutil.which(PROGRAM)
        if program is None:
            raise TtsError(
                "tts.engine", "espeak-ng is not installed: apt-get install espeak-ng, or use engine: none"
            )
        self.program = program
        self.voice = voice
        self.words_per_minute = max(80, min(450, round(WORDS_PER_MINUTE * speed)))
        self.voice_id = f"espeak-ng:{voice}:{self.words_per_minute}"
        # Speaking one word checks the voice exists and tells the sample rate tts-start must announce.
        header, _ = self._render("a")
        self.rate = header

    def _command(self) -> list[str]:
        return [self.program, "--stdout", "-b", "1", "-v", self.voice, "-s", str(self.words_per_minute)]

    def _render(self, text: str) -> tuple[int, bytes]:
        try:
            done = subprocess.run(self._command(), input=text.encode(), capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as err:
            raise TtsError("tts.engine", f"espeak-ng does not run: {err}") from err
        if done.returncode != 0 or len(done.stdout) < WAV_HEADER:
            detail = done.stderr.decode(errors="replace").strip() or f"exit status {done.returncode}"
            raise TtsError("tts.voice", f"espeak-ng cannot speak with voice {self.voice!r}: {detail}")
        return _rate(done.stdout[:WAV_HEADER]), done.stdout[WAV_HEADER:]

    def synthesize(self, text: str) -> Iterator[bytes]:
        """Yield PCM16 chunks while espeak-ng is still speaking the rest; closing early stops the process."""
        process = subprocess.Popen(
            self._command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,
        )
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(text.encode())
            process.stdin.close()
            pending = b""
            header_left = WAV_HEADER
            while chunk := process.stdout.read(READ_BYTES):
                if header_left:
                    skipped = chunk[:header_left]
                    header_left -= len(skipped)
                    chunk = chunk[len(skipped) :]
                # Keep whole samples: a read may end in the middle of one.
                chunk, pending = _whole_samples(pending + chunk)
                if chunk:
                    yield chunk
            if process.wait() != 0:
                detail = process.stderr.read().decode(errors="replace").strip() if process.stderr else ""
                raise TtsError("tts.voice", f"espeak-ng failed: {detail or process.returncode}")
        finally:
            if process.poll() is None:
                process.kill()  # stopped early (barge-in): the rest of the reply is not wanted
            with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                process.wait(timeout=5)
            for stream in (process.stdout, process.stderr):
                if stream is not None:
                    stream.close()

    def close(self) -> None:
        """Nothing to release: every reply has its own process."""


def _whole_samples(data: bytes) -> tuple[bytes, bytes]:
    cut = len(data) - len(data) % 2
    return data[:cut], data[cut:]


def _rate(header: bytes) -> int:
    if header[:4] != b"RIFF" or header[8:12] != b"WAVE":
        raise TtsError("tts.engine", "espeak-ng did not write WAV audio")
    return int(struct.unpack_from("<I", header, 24)[0])
