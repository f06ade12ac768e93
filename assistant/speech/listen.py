"""The speech-in stage of a run: client audio → 16 kHz → VAD segmenter → ASR stream → transcript events."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ..events import Event, Transcript, VadEnd, VadStart
from .asr import AsrEngine, AsrStream, Hypothesis, VadSettings
from .audio import AudioFormat, PcmConverter
from .endpoint import NoSpeech, Segment, Segmenter, SpeechAudio, SpeechEnded, SpeechStarted
from .inbox import AudioInbox
from .vad import SileroVad

Emit = Callable[[Event], None]
# Whether a partial transcript is already a complete, unambiguous command (then a short pause may end it).
Complete = Callable[[str], bool]

STALL_SECONDS = 3.0  # a client that sends nothing for this long mid-utterance has stopped: use what we have
DECODER_POLL_SECONDS = 0.01  # how often an utterance waiting for a free decoder looks again
# Worker threads that decode the utterances of all runs. pocketsphinx holds the GIL while it decodes (two
# decoders in two threads take as long as one after the other) and faster-whisper runs each decode on
# several cores of its own, so more threads only add memory: each thread that allocates gets a glibc
# malloc arena of its own, which keeps what it freed. The 6 threads of asyncio's default pool on 2 cores
# left the hub ~10 MB larger after 10 sessions at once, with the same latency (`hearth bench --only audio`).
SPEECH_THREADS = 2


@dataclass(frozen=True, slots=True)
class Heard:
    """What the audio of a run came to: the final hypothesis, or an error code when there is none."""

    hypothesis: Hypothesis | None
    code: str | None = None
    message: str = ""
    reason: str | None = None  # why the utterance ended: silence | early | max-length | audio-end | timeout

    @property
    def text(self) -> str:
        """The final transcript ('' when nothing was recognised)."""
        return self.hypothesis.text.strip() if self.hypothesis else ""


@dataclass(slots=True)
class _Utterance:
    """The per-run state the worker thread and the event loop take turns on (never at the same time)."""

    converter: PcmConverter
    segmenter: Segmenter
    stream: AsrStream | None = None
    partial: str = ""
    sent: str = ""  # the last partial transcript sent to the client
    vad_ms: float = 0.0
    asr_ms: float = 0.0
    ended: SpeechEnded | NoSpeech | None = None
    events: list[Segment] = field(default_factory=list)


class Listener:
    """Turns the audio frames of one run into transcript events and a final hypothesis."""

    def __init__(
        self,
        engine: AsrEngine,
        vad: SileroVad,
        settings: VadSettings,
        *,
        stall_seconds: float = STALL_SECONDS,
        min_confidence: float = 0.0,
        threads: int = SPEECH_THREADS,
    ) -> None:
        self.engine = engine
        self.vad = vad
        self.settings = settings
        self.stall_seconds = stall_seconds
        self.min_confidence = min_confidence  # transcripts below it are not acted on
        # No call in these threads ever waits for another run (see AsrStream.ready), so a small pool
        # cannot stall: runs queue for a thread as they queue for the cores.
        self._threads = ThreadPoolExecutor(max(1, threads), thread_name_prefix="hearth-speech")

    def close(self) -> None:
        """Release the engine and the worker threads (runs still listening fail)."""
        self._threads.shutdown(wait=False, cancel_futures=True)
        self.engine.close()

    async def listen(
        self,
        run_id: str,
        audio_format: AudioFormat,
        inbox: AudioInbox,
        emit: Emit,
        complete: Complete,
        timings: dict[str, float],
    ) -> Heard:
        """Consume the run's audio until an endpoint; emits vad-start, partial transcripts and vad-end."""
        loop = asyncio.get_running_loop()
        work = _Utterance(PcmConverter(audio_format), Segmenter(self.settings, self.vad.stream().process))
        reason: str | None = None
        step: asyncio.Future[None] | None = None
        try:
            while work.ended is None:
                try:
                    data = await inbox.get(self.stall_seconds)
                except TimeoutError:
                    data, reason = None, "timeout"
                # Shielded: a cancelled run must not close the stream while a worker thread still feeds it.
                step = asyncio.ensure_future(loop.run_in_executor(self._threads, self._step, work, data))
                await asyncio.shield(step)
                self._report(run_id, work, emit, complete)
            inbox.close()
            if isinstance(work.ended, NoSpeech) or work.stream is None:
                return Heard(None, "stt-no-text", "no speech was heard", reason)
            reason = reason if reason == "timeout" else work.ended.reason
            emit(VadEnd(id=run_id, reason=reason))
            started = time.perf_counter()
            # Decoders all busy: wait on the loop, not in a worker thread (see AsrStream.ready). They are
            # given back in worker threads, so a short poll is simpler than an event across threads.
            while not work.stream.ready():  # noqa: ASYNC110
                await asyncio.sleep(DECODER_POLL_SECONDS)
            hypothesis = await loop.run_in_executor(self._threads, work.stream.finish)
            work.asr_ms += (time.perf_counter() - started) * 1000
            emit(Transcript(id=run_id, text=hypothesis.text, partial=False, confidence=hypothesis.confidence))
            if not hypothesis.text.strip():
                return Heard(hypothesis, "stt-no-text", "speech was heard but no words recognised", reason)
            return Heard(hypothesis, None, "", reason)
        finally:
            inbox.close()
            if step is not None and not step.done():
                await asyncio.wait([step])
            if work.stream is not None:
                work.stream.close()
            timings["vad"] = round(timings.get("vad", 0.0) + work.vad_ms, 3)
            timings["stt"] = round(timings.get("stt", 0.0) + work.asr_ms, 3)

    def _step(self, work: _Utterance, data: bytes | None) -> None:
        """Worker-thread part: convert, segment and feed the ASR (all CPU work, off the event loop)."""
        started = time.perf_counter()
        if data is None:
            segments = work.segmenter.feed(work.converter.flush()) + work.segmenter.end()
        else:
            segments = work.segmenter.feed(work.converter.convert(data))
        vad_done = time.perf_counter()
        for segment in segments:
            if isinstance(segment, SpeechStarted):
                work.stream = self.engine.start()
            elif isinstance(segment, SpeechAudio) and work.stream is not None:
                work.stream.feed(segment.pcm)
            elif isinstance(segment, SpeechEnded | NoSpeech):
                work.ended = segment
        if work.stream is not None and work.ended is None:
            work.partial = work.stream.partial()
        work.events = segments
        work.vad_ms += (vad_done - started) * 1000
        work.asr_ms += (time.perf_counter() - vad_done) * 1000

    def _report(self, run_id: str, work: _Utterance, emit: Emit, complete: Complete) -> None:
        """Loop part: events for what the step found, and whether a pause may already end the command."""
        for segment in work.events:
            if isinstance(segment, SpeechStarted):
                emit(VadStart(id=run_id))
        if work.ended is None and work.stream is not None:
            text = work.partial.strip()
            if text and text != work.sent:
                work.sent = text
                emit(Transcript(id=run_id, text=text, partial=True))
                work.segmenter.allow_early(complete(text))
