"""`hearth adapt record`: the session core (prompts, keys, take checks) and the adapter on real speech."""

from __future__ import annotations

import asyncio
import io
import shutil
import sys
import wave
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from assistant import adapt_cli, adapt_record
from assistant.adapt_cli import record_session
from assistant.adapt_record import append_line, capture, record, write_take
from assistant.cli import main
from assistant.config import HearthConfig, load_config
from assistant.satellite import FRAME_MS
from assistant.speech.adapt import Adaptation, AdaptationError, Recording
from assistant.speech.asr import VadSettings
from assistant.speech.record import (
    CLIP_LEVEL,
    HINT,
    KEEP_HINT,
    LISTING,
    MARGIN_MS,
    MAX_TAKE_S,
    NO_SPEECH,
    NO_SPEECH_S,
    Finish,
    ListingEntry,
    Record,
    RecordSession,
    Save,
    Show,
    Step,
    Take,
    TakeCapture,
    check_take,
    listing_line,
    next_number,
    parse_listing,
)
from assistant.speech.vad import SileroVad

from .conftest import Synth
from .test_adapt import require_adaptation_tools

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "config"
RATE = 16000
FRAME = RATE * FRAME_MS // 1000 * 2  # bytes of one 20 ms microphone frame


@pytest.fixture(scope="module")
def config() -> HearthConfig:
    return load_config(SAMPLE)


# ------------------------------------------------------------------------------------------- audio


def noise(seconds: float, level: float = 20.0, seed: int = 0) -> np.ndarray:
    """A quiet room through a microphone: faint noise, never digital silence."""
    return np.random.default_rng(seed).normal(0.0, level, int(RATE * seconds))


def tone(seconds: float, amplitude: float) -> np.ndarray:
    return amplitude * np.sin(2 * np.pi * 220 * np.arange(int(RATE * seconds)) / RATE)


def pcm(*parts: np.ndarray) -> bytes:
    return np.clip(np.round(np.concatenate(parts)), -32768, 32767).astype("<i2").tobytes()


def speech_span(clip: bytes) -> tuple[float, float]:
    """Where the speech of a synthesised clip starts and ends (s): espeak-ng pads it with silence."""
    loud = np.flatnonzero(np.abs(np.frombuffer(clip, "<i2")) > 300)
    return loud[0] / RATE, (loud[-1] + 1) / RATE


class LoudFrames:
    """A stand-in for VadStream.process: a 32 ms frame is speech when its RMS passes 300."""

    def __init__(self) -> None:
        self.pending = b""

    def __call__(self, data: bytes) -> list[float]:
        data, size = self.pending + data, 1024
        count = len(data) // size
        self.pending = data[count * size :]
        frames = np.frombuffer(data[: count * size], "<i2").astype(float).reshape(count, size // 2)
        return [0.9 if np.sqrt(np.mean(f**2)) > 300 else 0.05 for f in frames]


def capture_all(audio: bytes, chunk: int = 640) -> tuple[Take, int]:
    """A take of `audio` fed in chunks, and how many bytes were fed before it was over."""
    take = TakeCapture(VadSettings(), LoudFrames())
    fed = 0
    for start in range(0, len(audio), chunk):
        fed += len(audio[start : start + chunk])
        if take.feed(audio[start : start + chunk]):
            break
    return take.end(), fed


# ------------------------------------------------------------------------------------------- takes


def test_a_take_ends_a_second_after_the_speech_and_keeps_a_margin_around_it() -> None:
    """1 s of speech between noise: cut after 1 s of silence, kept with ~0.3 s either side."""
    audio = pcm(noise(1.0), tone(1.0, 3000), noise(4.0))
    for chunk in (640, 999, 4096):
        take, fed = capture_all(audio, chunk)
        assert take.ended == "silence"
        assert 3.0 * RATE * 2 <= fed <= 3.2 * RATE * 2  # the speech's end (2 s) and 1 s of trailing silence
        margin = MARGIN_MS / 1000
        assert abs(take.seconds - (1.0 + 2 * margin)) < 0.07, take.seconds
        samples = np.abs(np.frombuffer(take.pcm, "<i2"))
        assert samples[: int(0.25 * RATE)].max() < 200  # the lead-in is the noise before the speech
        assert samples[-int(0.25 * RATE) :].max() < 200  # and the tail the noise after it
        assert check_take(take) is None


def test_no_speech_ends_the_take_with_the_message() -> None:
    """Only noise: the take ends after NO_SPEECH_S with no audio, and 'no speech heard, try again'."""
    take, fed = capture_all(pcm(noise(NO_SPEECH_S + 3)))
    assert take == Take(b"", None)
    assert fed <= (NO_SPEECH_S + 0.1) * RATE * 2
    problem = check_take(take)
    assert problem is not None and problem.kind == "no-speech" and not problem.keepable
    assert problem.message == NO_SPEECH == "no speech heard, try again"


def test_speech_that_goes_on_is_cut_at_the_cap() -> None:
    """Speech longer than MAX_TAKE_S is cut there and refused: the sentence is not all in it."""
    take, _ = capture_all(pcm(noise(0.5), tone(MAX_TAKE_S + 3, 3000)))
    assert take.ended == "max-length"
    assert take.seconds <= MAX_TAKE_S + 0.5
    problem = check_take(take)
    assert problem is not None and problem.kind == "cut" and not problem.keepable
    assert f"{MAX_TAKE_S:.0f} s" in problem.message


def test_a_microphone_that_stops_mid_speech_ends_the_take_there() -> None:
    take = TakeCapture(VadSettings(), LoudFrames())
    assert not take.feed(pcm(noise(0.5), tone(1.0, 3000)))
    assert take.take is None
    ended = take.end()
    assert ended.ended == "audio-end" and ended.seconds > 1.0
    assert take.end() is ended and take.take is ended


def test_quiet_and_clipped_takes_are_told_apart_from_good_ones() -> None:
    """Peak under -30 dBFS is too quiet; over 0.1% of samples at full scale is clipped; both keepable."""
    good = Take(pcm(noise(0.3), tone(1.0, 8000), noise(0.3)), "silence")
    assert check_take(good) is None
    quiet = check_take(Take(pcm(noise(0.3), tone(1.0, 600), noise(0.3)), "silence"))
    assert quiet is not None and quiet.kind == "quiet" and quiet.keepable
    assert quiet.message.startswith("too quiet (peak -35 dBFS")
    clipped = check_take(Take(pcm(noise(0.3), tone(1.0, 60000), noise(0.3)), "silence"))
    assert clipped is not None and clipped.kind == "clipped" and clipped.keepable
    assert clipped.message.startswith("clipped (")
    loud_but_clean = np.concatenate([noise(0.3), tone(1.0, 30000), noise(0.3)])
    loud_but_clean[1000:1010] = CLIP_LEVEL  # a few samples at full scale are not clipping
    assert check_take(Take(pcm(loud_but_clean), "silence")) is None


# ----------------------------------------------------------------------------------------- listing


def test_listing_lines_parse_and_format() -> None:
    """prompts.tsv: blank lines skipped, rows numbered, text on one line; a bad line names its row."""
    text = "001.wav\tturn on the lamp\n\n002.wav\t open the   door \n"
    assert parse_listing(text) == [
        ListingEntry("001.wav", "turn on the lamp"),
        ListingEntry("002.wav", "open the   door"),
    ]
    assert [e.row for e in parse_listing(text)] == [1, 3]
    assert listing_line("003.wav", " open the\tdoor\n") == "003.wav\topen the door\n"
    assert ListingEntry("a.wav", "x y").line == "a.wav\tx y\n"
    for bad in ("001.wav turn on the lamp", "001.wav\t  ", "\tturn on the lamp"):
        with pytest.raises(AdaptationError, match=r"^f\.tsv:2: expected <file\.wav><TAB><words said>$"):
            parse_listing(f"001.wav\tok\n{bad}\n", "f.tsv")
    assert next_number([]) == 1
    assert next_number(["001.wav", "take.wav", "017.WAV", "prompts.tsv", "9.wav"]) == 18


# ----------------------------------------------------------------------------------------- session

GOOD = Take(pcm(noise(0.3), tone(1.0, 8000), noise(0.3)), "silence")
QUIET = Take(pcm(noise(0.3), tone(1.0, 300), noise(0.3)), "silence")
SILENT = Take(b"", None)
SENTENCES = ["turn on the lamp", "open the door", "what time is it", "close the blinds", "stop the fan"]


def shown(steps: Sequence[Step]) -> list[str]:
    return [step.line for step in steps if isinstance(step, Show)]


def saved(session: RecordSession, steps: Sequence[Step]) -> list[Step]:
    """The adapter's part: write what is to be saved (here: nothing) and report it written."""
    [save] = [step for step in steps if isinstance(step, Save)]
    return session.saved(save)


def test_a_session_records_sentences_in_order_and_numbers_them() -> None:
    session = RecordSession(SENTENCES, [], 3)
    start = session.start()
    assert shown(start) == [
        f"Read each sentence aloud after pressing Enter; recording stops when you stop. {HINT}.",
        "1/3  turn on the lamp",
    ]
    assert session.key("\n") == [Show("  listening..."), Record(1, "turn on the lamp")]
    [save] = session.took(GOOD)
    assert save == Save("001.wav", "turn on the lamp", GOOD.pcm, new=True)
    assert save.line == "001.wav\tturn on the lamp\n"
    assert session.recorded == []  # nothing counts until the adapter has written it
    assert shown(session.saved(save)) == ["  saved 001.wav (1.6 s)", "2/3  open the door"]
    assert session.key("") == [Show("  listening..."), Record(2, "open the door")]
    assert shown(saved(session, session.took(GOOD))) == ["  saved 002.wav (1.6 s)", "3/3  what time is it"]
    session.key("")
    steps = saved(session, session.took(GOOD))
    assert steps[-1] == Finish("complete") == session.finished
    assert session.recorded == [
        ListingEntry("001.wav", "turn on the lamp"),
        ListingEntry("002.wav", "open the door"),
        ListingEntry("003.wav", "what time is it"),
    ]
    assert session.summary() == "3 recorded now; 3 of 3 in all. All recorded."
    assert session.key("") == []  # over: keys do nothing


def test_skip_moves_on_and_running_out_of_sentences_ends_the_session() -> None:
    session = RecordSession(SENTENCES[:3], [], 3)
    session.start()
    assert shown(session.key("s")) == ["  skipped", "1/3  open the door"]
    assert shown(session.key(" S ")) == ["  skipped", "1/3  what time is it"]
    session.key("")
    assert shown(saved(session, session.took(GOOD)))[-1] == "  saved 001.wav (1.6 s)"
    assert session.finished == Finish("out-of-prompts")
    assert session.summary().startswith("1 recorded now, 2 skipped; 1 of 3 in all. No sentences left")


def test_redo_records_the_last_sentence_again_into_its_file() -> None:
    session = RecordSession(SENTENCES, [], 5)
    session.start()
    assert shown(session.key("r")) == ["  nothing recorded yet to redo", "1/5  turn on the lamp"]
    session.key("")
    saved(session, session.took(GOOD))
    assert shown(session.key("r")) == ["1/5  turn on the lamp   (again, replacing 001.wav)"]
    assert session.key("")[-1] == Record(1, "turn on the lamp")
    longer = Take(GOOD.pcm * 2, "silence")
    [save] = session.took(longer)
    assert save == Save("001.wav", "turn on the lamp", longer.pcm, new=False)
    assert shown(session.saved(save)) == [
        "  saved 001.wav (3.2 s, replacing the earlier take)",
        "2/5  open the door",
    ]
    assert session.recorded == [ListingEntry("001.wav", "turn on the lamp")]
    assert session.added == 1
    # s during a redo cancels it, and the sentence waiting comes back
    session.key("r")
    assert shown(session.key("s")) == ["  not recorded again", "2/5  open the door"]
    assert session.skipped == 0


def test_quit_and_unknown_keys() -> None:
    session = RecordSession(SENTENCES, [], 5)
    session.start()
    assert session.key("x") == [Show(f"  'x'? {HINT}")]
    assert session.key("k") == [Show(f"  'k'? {HINT}")]  # nothing to keep
    assert session.key("q") == [Finish("quit")]
    assert (
        session.summary()
        == "0 recorded now; 0 of 5 in all. Run the same command again to go on where you stopped."
    )


def test_a_quiet_take_is_offered_again_or_kept() -> None:
    session = RecordSession(SENTENCES, [], 5)
    session.start()
    session.key("")
    steps = session.took(QUIET)
    lines = shown(steps)
    assert lines[0].startswith("  too quiet (peak")
    assert lines[1:] == [f"  {KEEP_HINT}", "1/5  turn on the lamp"]
    assert not any(isinstance(step, Save) for step in steps)
    assert session.key("?") == [Show(f"  '?'? {KEEP_HINT}")]
    [save] = session.key("k")
    assert save == Save("001.wav", "turn on the lamp", QUIET.pcm, new=True)
    session.saved(save)
    assert session.key("k") == [Show(f"  'k'? {HINT}")]  # kept once; nothing left to keep


def test_no_speech_is_offered_again_but_cannot_be_kept() -> None:
    session = RecordSession(SENTENCES, [], 5)
    session.start()
    session.key("")
    assert shown(session.took(SILENT)) == [
        "  no speech heard, try again",
        "  Enter tries again, s skips the sentence",
        "1/5  turn on the lamp",
    ]
    assert session.key("k") == [Show(f"  'k'? {HINT}")]
    assert session.key("")[-1] == Record(1, "turn on the lamp")
    # a retake after a quiet one forgets the quiet one
    session.took(QUIET)
    session.key("")
    session.took(SILENT)
    assert session.key("k") == [Show(f"  'k'? {HINT}")]


def test_a_session_goes_on_from_what_the_folder_holds() -> None:
    """Resumed: recorded sentences are not offered again, numbering and file names go on."""
    recorded = [ListingEntry("001.wav", "turn on the lamp"), ListingEntry("002.wav", "Open the  door")]
    prompts = ["open the door", "What time is it", "turn on the lamp", "what time is it", "stop the fan"]
    session = RecordSession(prompts, recorded, 4, names=["001.wav", "002.wav", "007.wav", LISTING])
    assert session.remaining == 2
    assert shown(session.start())[-1] == "3/4  What time is it"
    [save] = session.key("") and session.took(GOOD)
    assert save.name == "008.wav"  # 007.wav is in the folder though not listed: never overwritten
    assert shown(session.saved(save))[-1] == "4/4  stop the fan"
    # redo reaches back to the last listed recording, even from an earlier session
    done = RecordSession(prompts, recorded, 4)
    done.start()
    assert shown(done.key("r")) == ["2/4  Open the  door   (again, replacing 002.wav)"]


def test_a_folder_already_complete_finishes_at_once() -> None:
    recorded = [ListingEntry(f"{n:03d}.wav", SENTENCES[n]) for n in range(3)]
    session = RecordSession(SENTENCES, recorded, 2)
    assert session.start() == [Finish("complete")]
    assert session.summary() == "0 recorded now; 3 of 2 in all. All recorded."


# ------------------------------------------------------------------------------------------- files


def test_a_take_is_written_whole_then_listed(tmp_path: Path) -> None:
    """The wav appears under its name only complete; the listing line only after it."""
    save = Save("001.wav", "turn on the lamp", GOOD.pcm, new=True)
    write_take(tmp_path, save)
    with wave.open(str(tmp_path / "001.wav")) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (16000, 1, 2)
        assert wav.readframes(wav.getnframes()) == GOOD.pcm
    assert (tmp_path / LISTING).read_text() == "001.wav\tturn on the lamp\n"
    write_take(tmp_path, Save("001.wav", "turn on the lamp", QUIET.pcm, new=False))  # a redo
    assert (tmp_path / LISTING).read_text() == "001.wav\tturn on the lamp\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["001.wav", LISTING]


def test_an_interrupted_write_leaves_no_file_and_no_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(adapt_record.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_take(tmp_path, Save("001.wav", "turn on the lamp", GOOD.pcm, new=True))
    assert list(tmp_path.iterdir()) == []


def test_a_line_is_appended_on_a_line_of_its_own(tmp_path: Path) -> None:
    path = tmp_path / LISTING
    append_line(path, "001.wav\ta\n")
    path.write_text(path.read_text() + "002.wav\tb")  # edited by hand, no newline at the end
    append_line(path, "003.wav\tc\n")
    assert path.read_text() == "001.wav\ta\n002.wav\tb\n003.wav\tc\n"


# --------------------------------------------------------------------- the adapter, on real speech


@dataclass
class SpeakingMicrophone:
    """A Microphone whose every take plays the next clip in 20 ms frames: noise, the clip, then noise.

    The noise after the clip lasts longer than any take may, so only the VAD ends a take early.
    """

    takes: list[Callable[[], bytes]]
    lead_s: float = 0.5
    tail_s: float = NO_SPEECH_S + 2
    played: list[tuple[bytes, int]] = field(default_factory=list)  # per take: the clip, bytes played
    flushes: int = 0
    opened: bool = False
    closed: bool = False

    async def open(self) -> None:
        self.opened = True

    def flush(self) -> None:
        self.flushes += 1

    def close(self) -> None:
        self.closed = True

    def frames(self) -> AsyncIterator[bytes]:
        return self._play(self.takes.pop(0)())

    async def _play(self, clip: bytes) -> AsyncIterator[bytes]:
        seed = len(self.played)
        speech = np.frombuffer(clip, "<i2").astype(float)
        room = noise(self.lead_s + len(speech) / RATE + self.tail_s, seed=seed)
        start = int(self.lead_s * RATE)
        room[start : start + len(speech)] += speech
        data = pcm(room)
        self.played.append((clip, 0))
        for offset in range(0, len(data), FRAME):
            self.played[-1] = (clip, offset + FRAME)
            yield data[offset : offset + FRAME]
            await asyncio.sleep(0)


async def typed(lines: Iterable[str]) -> AsyncIterator[str]:
    for line in lines:
        yield line + "\n"


@dataclass
class Recorded:
    """What the two scripted sessions of `recorded_folder` left, and what they showed."""

    folder: Path
    first: RecordSession
    second: RecordSession
    lines: list[str]
    microphones: list[SpeakingMicrophone]
    clips: dict[str, bytes]  # file name -> the clip of the take it should hold


@pytest.fixture(scope="module")
def recorded_folder(
    config: HearthConfig, synth: Synth, silero: SileroVad, tmp_path_factory: pytest.TempPathFactory
) -> Recorded:
    """Six espeak-ng recordings made in two sessions: a skip, no speech, a redo, a quit, a quiet take."""
    folder = tmp_path_factory.mktemp("record") / "voice-takes"
    lines: list[str] = []

    def said(session: RecordSession, **options: int) -> Callable[[], bytes]:
        def speak() -> bytes:
            target = session.target()
            assert target is not None
            return synth(target[2], **options)

        return speak

    first = record_session(config, folder, 6)
    assert first.remaining == 6
    first_mic = SpeakingMicrophone(
        [
            said(first),  # 1: 001.wav
            lambda: b"",  # after a skip: nothing said
            said(first),  # the retake: 002.wav
            said(first, speed=110),  # r: 002.wav again, read slower
        ]
    )
    finish = asyncio.run(
        record(
            first,
            first_mic,
            typed(["", "s", "", "", "r", "", "q"]),
            silero,
            VadSettings(),
            folder,
            lines.append,
        )
    )
    assert finish == Finish("quit")

    second = record_session(config, folder, 6)
    assert second.remaining == 4

    def quiet() -> bytes:
        return pcm(np.frombuffer(said(second)(), "<i2") * 0.02)

    second_mic = SpeakingMicrophone([quiet, *(said(second) for _ in range(4))])
    finish = asyncio.run(
        record(second, second_mic, typed([""] * 5), silero, VadSettings(), folder, lines.append)
    )
    assert finish == Finish("complete")

    clips = {"001.wav": synth(first.recorded[0].text), "002.wav": synth(first.recorded[1].text, speed=110)}
    for entry in second.recorded[2:]:
        clips[entry.name] = synth(entry.text)
    return Recorded(folder, first, second, lines, [first_mic, second_mic], clips)


def test_recording_writes_the_wavs_and_the_listing(recorded_folder: Recorded, synth: Synth) -> None:
    """The takes are 16 kHz mono PCM16 wavs listed in order; skipped and refused takes left no trace."""
    made = recorded_folder
    entries = parse_listing((made.folder / LISTING).read_text())
    assert [e.name for e in entries] == [f"{n:03d}.wav" for n in range(1, 7)]
    assert entries == made.second.recorded
    assert sorted(p.name for p in made.folder.iterdir()) == [*(f"{n:03d}.wav" for n in range(1, 7)), LISTING]
    assert len({e.text for e in entries}) == 6
    durations: dict[str, float] = {}
    margins = 2 * MARGIN_MS / 1000
    for entry in entries:
        with wave.open(str(made.folder / entry.name)) as wav:
            assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (16000, 1, 2)
            seconds = wav.getnframes() / RATE
        start, end = speech_span(made.clips[entry.name])  # the take is the speech and a margin either side
        assert end - start + margins - 0.15 < seconds < end - start + margins + 0.2, (entry.name, seconds)
        durations[entry.name] = seconds
    # 002.wav holds the redo, read slower: far longer than a reading at the usual speed
    start, end = speech_span(synth(entries[1].text))
    assert durations["002.wav"] > end - start + margins + 0.5


def test_the_vad_cut_every_take(recorded_folder: Recorded) -> None:
    """Each take stopped ~1 s after its speech, the empty one after NO_SPEECH_S: never at the end of audio."""
    first, second = recorded_folder.microphones
    assert first.opened and first.closed and second.opened and second.closed
    assert first.flushes == 4 and second.flushes == 5
    for clip, played_bytes in first.played + second.played:
        heard = played_bytes / (2 * RATE)
        if clip:
            speech_end = first.lead_s + speech_span(clip)[1]
            assert speech_end + 0.9 < heard < speech_end + 1.5, (speech_end, heard)
        else:
            assert NO_SPEECH_S - 0.1 < heard < NO_SPEECH_S + 0.5


def test_the_sessions_showed_the_prompts_and_the_problems(recorded_folder: Recorded) -> None:
    lines = recorded_folder.lines
    assert lines[1].startswith("1/6  ")
    assert "  skipped" in lines
    assert "  no speech heard, try again" in lines
    assert any(line.startswith("  too quiet (peak") for line in lines)
    assert any(line.endswith("(again, replacing 002.wav)") for line in lines)
    assert [line.split()[1] for line in lines if line.startswith("  saved")] == [
        "001.wav", "002.wav", "002.wav", "003.wav", "004.wav", "005.wav", "006.wav"
    ]  # fmt: skip
    numbered = [line.split()[0] for line in lines if line[:1].isdigit()]
    assert numbered[-1] == "6/6" and "3/6" in numbered
    assert recorded_folder.first.summary().startswith("2 recorded now, 1 skipped; 2 of 6 in all.")
    assert recorded_folder.second.summary() == "4 recorded now; 6 of 6 in all. All recorded."


def test_hearth_adapt_build_adapts_to_the_recorded_folder(
    recorded_folder: Recorded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """By default a MAP-adapted model folder for `asr.model`; `--method mllr` a transform."""
    require_adaptation_tools()
    folder = str(recorded_folder.folder)
    out = tmp_path / "voice" / "model"
    assert main(["adapt", "build", folder, "--config", str(SAMPLE), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Adapted to 6 recordings" in printed
    assert f"asr:\n    model: {out.resolve()}" in printed
    assert (out / "means").is_file() and (out / "mixture_weights").is_file()
    transform = tmp_path / "voice" / "mllr_matrix"
    args = ["adapt", "build", folder, "--config", str(SAMPLE), "--method", "mllr", "--out", str(transform)]
    assert main(args) == 0
    assert f"asr:\n    adaptation: {transform.resolve()}" in capsys.readouterr().out
    assert transform.is_file()


# --------------------------------------------------------------------------------------------- CLI


def _cli_microphone(
    monkeypatch: pytest.MonkeyPatch, synth: Synth, keys: str
) -> tuple[list[RecordSession], list[SpeakingMicrophone]]:
    """`hearth adapt record` hears espeak-ng read whatever it shows, and reads `keys` from stdin."""
    sessions: list[RecordSession] = []
    microphones: list[SpeakingMicrophone] = []
    real_session = adapt_cli.record_session

    def spy(*args: object, **kwargs: object) -> RecordSession:
        sessions.append(real_session(*args, **kwargs))  # type: ignore[arg-type]
        return sessions[-1]

    def speaker(_device: str | None, _folder: Path) -> SpeakingMicrophone:
        def speak() -> bytes:
            target = sessions[-1].target()
            assert target is not None
            return synth(target[2])

        microphones.append(SpeakingMicrophone([speak] * 10))
        return microphones[-1]

    monkeypatch.setattr(adapt_cli, "record_session", spy)
    monkeypatch.setattr(adapt_record, "microphone_for", speaker)
    monkeypatch.setattr(sys, "stdin", io.StringIO(keys))
    return sessions, microphones


def test_cli_record_goes_on_and_builds(
    recorded_folder: Recorded,
    synth: Synth,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`hearth adapt record FOLDER --count 7 --build` records the seventh sentence, then builds from all 7.

    The build itself is `hearth adapt build`'s (run for real above); here it only shows what it was given.
    """
    folder = tmp_path / "takes"
    shutil.copytree(recorded_folder.folder, folder)
    _cli_microphone(monkeypatch, synth, "\n")
    built: list[Sequence[Recording]] = []

    def build(
        _config: HearthConfig, recordings: Sequence[Recording], out: Path, method: str = "map"
    ) -> Adaptation:
        built.append(recordings)
        return Adaptation(out, method, len(recordings), len(recordings), 20.0, 0.1)

    monkeypatch.setattr(adapt_cli, "build", build)
    out = tmp_path / "model"
    args = [
        "adapt",
        "record",
        str(folder),
        "--config",
        str(SAMPLE),
        "--count",
        "7",
        "--build",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "7/7  " in printed
    assert f"{folder}: 1 recorded now; 7 of 7 in all. All recorded." in printed
    entries = parse_listing((folder / LISTING).read_text())
    assert entries[-1].name == "007.wav"
    [recordings] = built
    assert [r.text for r in recordings] == [e.text for e in entries]
    assert f"Adapted to 7 recordings (20 s, 7 followed) in 0.1 s: {out}" in printed
    assert f"asr:\n    model: {out.resolve()}" in printed


def test_cli_record_quit_does_not_build(
    synth: Synth, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """q (or the end of input) stops: what was recorded stays, and --build waits for a full set."""
    _, microphones = _cli_microphone(monkeypatch, synth, "\ns\n")
    folder = tmp_path / "takes"
    assert main(["adapt", "record", str(folder), "--config", str(SAMPLE), "--count", "3", "--build"]) == 0
    printed = capsys.readouterr().out
    assert f"{folder}: 1 recorded now, 1 skipped; 1 of 3 in all. Run the same command again" in printed
    assert "Not building" in printed
    assert [e.name for e in parse_listing((folder / LISTING).read_text())] == ["001.wav"]
    assert microphones[0].closed


def test_cli_record_on_a_complete_folder_needs_no_microphone(
    recorded_folder: Recorded, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, microphones = _cli_microphone(monkeypatch, lambda *_a, **_k: b"", "")  # type: ignore[arg-type]
    assert (
        main(["adapt", "record", str(recorded_folder.folder), "--config", str(SAMPLE), "--count", "6"]) == 0
    )
    printed = capsys.readouterr().out
    assert "0 recorded now; 6 of 6 in all. All recorded." in printed
    assert f"hearth adapt build {recorded_folder.folder}" in printed
    assert microphones == []


def test_cli_record_needs_a_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["adapt", "record", "--config", str(SAMPLE)]) == 2
    assert "hearth adapt record: name the folder" in capsys.readouterr().err


def _stand_in_sounddevice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str) -> None:
    """`source` is what importing sounddevice runs, until the test ends (then sys.modules is as before)."""
    (tmp_path / "sounddevice.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # undone last: restores the entry, or its absence
    monkeypatch.delitem(sys.modules, "sounddevice")


def test_cli_record_without_portaudio_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stand_in_sounddevice(tmp_path, monkeypatch, "raise OSError('PortAudio library not found')\n")
    folder = tmp_path / "takes"
    assert main(["adapt", "record", str(folder), "--config", str(SAMPLE), "--count", "3"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hearth adapt: PortAudio is missing (PortAudio library not found): ")
    assert "sudo apt install libportaudio2" in err and f"hearth adapt build {folder}" in err
    assert "Traceback" not in err
    assert not (folder / LISTING).exists()


def test_cli_record_without_the_device_names_the_way_to_list_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = (
        "class RawInputStream:\n"
        "    def __init__(self, **options):\n"
        "        raise ValueError(f\"No input device matching {options['device']!r}\")\n"
    )
    _stand_in_sounddevice(tmp_path, monkeypatch, source)
    args = ["adapt", "record", str(tmp_path / "takes"), "--config", str(SAMPLE), "--device", "usb"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.strip() == (
        "hearth adapt: cannot open the microphone: No input device matching 'usb' "
        "(`python -m sounddevice` lists the devices)"
    )


async def test_capture_ends_when_the_microphone_stops(silero: SileroVad, synth: Synth) -> None:
    """A microphone whose audio runs out mid-speech still gives a take (ended where it stopped)."""

    class Short(SpeakingMicrophone):
        async def _play(self, clip: bytes) -> AsyncIterator[bytes]:
            for offset in range(0, len(clip), FRAME):
                yield clip[offset : offset + FRAME]

    clip = synth("turn on the kitchen light")
    take = await capture(Short([lambda: clip[: len(clip) // 2]]), silero, VadSettings())
    assert take.ended == "audio-end"
    assert 0 < take.seconds < len(clip) / (2 * RATE)
