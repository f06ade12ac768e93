"""faster-whisper engine: LocalAgreement on scripted hypotheses, then a tiny random model loaded for real."""

from __future__ import annotations

import itertools
import math
import random
import wave
from pathlib import Path

import numpy as np
import pytest

from assistant.speech.agreement import LocalAgreement, tail_start, word_key
from assistant.speech.asr import SAMPLE_RATE, AsrEngine, AsrError, AsrSettings, HomeVocabulary, VadSettings
from assistant.speech.whisper import (
    MIN_NEW_TOKENS,
    NEW_TOKENS_PER_SECOND,
    REALTIME_SHARE,
    WhisperEngine,
    WhisperStream,
    bias_prompt,
)
from intents.document import IntentData
from intents.model import AreaName, EntityName
from tests.speech.tiny_whisper import build_tiny_whisper

CLIPS = Path(__file__).parent.parent / "data" / "speech" / "speech-to-phrase" / "en"
CLIP = CLIPS / "set_kitchen_lights_to_green.wav"

# ---------------------------------------------------------------- LocalAgreement, sans-I/O


def _feed(agreement: LocalAgreement, *hypotheses: str) -> list[tuple[str, ...]]:
    return [agreement.insert(h.split()) for h in hypotheses]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def test_first_hypothesis_commits_nothing_second_commits_what_both_say() -> None:
    agreement = LocalAgreement()
    assert _feed(agreement, "turn on the", "turn on the kitchen") == [(), ("turn", "on", "the")]
    assert agreement.committed == _words("turn on the")
    assert agreement.tentative == _words("kitchen")
    assert agreement.text() == "turn on the kitchen"


def test_a_revision_commits_only_up_to_the_first_disagreement() -> None:
    agreement = LocalAgreement()
    _feed(agreement, "turn on the", "turn off the light")
    assert agreement.committed == _words("turn")
    _feed(agreement, "turn off the light please")
    assert agreement.committed == _words("turn off the light")
    assert agreement.tentative == _words("please")


def test_case_and_punctuation_do_not_block_agreement_and_the_newer_spelling_is_kept() -> None:
    agreement = LocalAgreement()
    _feed(agreement, "Turn on the Kitchen", "turn on, the kitchen.")
    assert agreement.committed == _words("turn on, the kitchen.")
    assert word_key("Kitchen.") == word_key("kitchen") == "kitchen"


def test_an_empty_hypothesis_commits_nothing_and_restarts_agreement() -> None:
    agreement = LocalAgreement()
    assert _feed(agreement, "", "") == [(), ()]
    assert _feed(agreement, "open the", "", "open the", "open the door") == [(), (), (), ("open", "the")]
    assert agreement.text() == "open the door"


def test_committed_words_are_never_taken_back() -> None:
    agreement = LocalAgreement()
    _feed(agreement, "turn on the", "turn on the")
    assert agreement.committed == _words("turn on the")
    # A later decode revises a committed word; what follows it is still aligned and can commit.
    _feed(agreement, "turn off the kitchen light", "turn off the kitchen light")
    assert agreement.committed == _words("turn on the kitchen light")
    # A shorter or empty hypothesis leaves the committed words alone.
    _feed(agreement, "turn", "")
    assert agreement.committed == _words("turn on the kitchen light")
    assert agreement.tentative == ()


def test_alignment_skips_words_inserted_inside_the_committed_part() -> None:
    committed = ["turn", "on", "light"]
    assert tail_start(committed, _words("turn on the light please")) == 4
    assert tail_start(committed, _words("turn on light please")) == 3
    assert tail_start(committed, _words("turn on")) == 2
    assert tail_start(committed, []) == 0
    assert tail_start([], _words("anything at all")) == 0


def test_complete_appends_a_final_hypothesis_without_changing_state() -> None:
    agreement = LocalAgreement()
    _feed(agreement, "set the timer", "set the timer for")
    assert agreement.complete(_words("set a timer for five minutes")) == _words(
        "set the timer for five minutes"
    )
    assert agreement.committed == _words("set the timer")


def test_random_hypotheses_only_ever_extend_the_committed_prefix() -> None:
    rng = random.Random(7)
    vocabulary = ["turn", "on", "off", "the", "Light", "light.", "kitchen", ""]
    agreement = LocalAgreement()
    previous: tuple[str, ...] = ()
    for _ in range(500):
        words = [rng.choice(vocabulary) for _ in range(rng.randint(0, 8))]
        newly = agreement.insert([w for w in words if w])
        assert agreement.committed == previous + newly
        previous = agreement.committed


# ---------------------------------------------------------------- the home's names as a prompt


def test_bias_prompt_keeps_whole_names_within_the_token_budget() -> None:
    names = ["Kitchen Light", "Porch", "Living Room Lamp"]
    assert bias_prompt(names, len) == "Kitchen Light, Porch, Living Room Lamp"
    assert bias_prompt(names, len, budget=len(" Kitchen Light, Porch")) == "Kitchen Light, Porch"
    assert bias_prompt(names, len, budget=3) == ""
    assert bias_prompt([], len) == ""


# ---------------------------------------------------------------- the real engine on a tiny random model


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random faster-whisper model directory, built once per test session."""
    return build_tiny_whisper(tmp_path_factory.mktemp("tiny-whisper"))


@pytest.fixture(scope="session")
def vocabulary() -> HomeVocabulary:
    """A home with two devices and two areas."""
    intents = IntentData(language="en", lists={}, expansion_rules={}, intents={}, responses={})
    entities = [
        EntityName("light.kitchen", ("Kitchen Light", "kitchen lamp"), "light", "kitchen"),
        EntityName("cover.garage", ("Garage Door",), "cover", None),
    ]
    areas = [AreaName("kitchen", ("Kitchen",)), AreaName("porch", ("Porch",))]
    return HomeVocabulary(intents, entities, areas)


def _settings(model: Path | None, **changes: object) -> AsrSettings:
    return AsrSettings(engine="faster-whisper", model=model, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def engine(tiny_model: Path, vocabulary: HomeVocabulary) -> WhisperEngine:
    """The engine loaded through faster-whisper's real WhisperModel, shared by the tests below."""
    return WhisperEngine(_settings(tiny_model), vocabulary, cpu_threads=2)


def _pcm(path: Path) -> bytes:
    with wave.open(str(path)) as clip:
        assert (clip.getframerate(), clip.getsampwidth(), clip.getnchannels()) == (SAMPLE_RATE, 2, 1)
        return bytes(clip.readframes(clip.getnframes()))


def _chunks(pcm: bytes, seed: int) -> list[bytes]:
    """20-100 ms pieces, some cut in the middle of a sample, as a network may deliver them."""
    rng = random.Random(seed)
    pieces, i = [], 0
    while i < len(pcm):
        size = rng.randint(20, 100) * SAMPLE_RATE * 2 // 1000 + rng.choice((0, 0, 1))
        pieces.append(pcm[i : i + size])
        i += size
    return pieces


def test_the_engine_is_an_asr_engine_biased_towards_the_home_names(engine: WhisperEngine) -> None:
    typed: AsrEngine = engine
    assert typed.name == "faster-whisper"
    assert engine.prompt == "Kitchen Light, kitchen lamp, Garage Door, Kitchen, Porch"
    tokenizer = engine._tokenizer
    ids = engine.prompt_ids
    assert ids[0] == tokenizer.sot_prev  # faster-whisper's hotwords slot, before the transcript
    assert ids[-1] == tokenizer.no_timestamps
    assert tokenizer.decode(list(ids[1 : ids.index(tokenizer.sot)])).strip() == engine.prompt


def test_a_home_without_names_gets_no_prompt(tiny_model: Path) -> None:
    intents = IntentData(language="en", lists={}, expansion_rules={}, intents={}, responses={})
    engine = WhisperEngine(_settings(tiny_model), HomeVocabulary(intents), cpu_threads=1)
    assert engine.prompt == ""
    assert engine.prompt_ids[0] == engine._tokenizer.sot


def test_streaming_a_real_clip(engine: WhisperEngine) -> None:
    pcm = _pcm(CLIP)
    stream = engine.start()
    partials, committed = [], [""]
    for piece in _chunks(pcm, seed=1):
        stream.feed(piece)
        partials.append(stream.partial())
        assert stream.partial().startswith(stream.committed)
        assert stream.committed.startswith(committed[-1])  # the committed text never shrinks
        committed.append(stream.committed)
    assert any(partials), "a random model still says something"
    interval = engine.settings.stream_interval_ms * SAMPLE_RATE // 1000
    assert 1 <= stream.decodes <= (len(pcm) // 2) // interval
    assert stream.buffered == len(pcm) // 2
    decodes = stream.decodes
    hypothesis = stream.finish()
    assert stream.decodes == decodes + 1
    assert hypothesis.text.startswith(stream.committed)
    assert 0.0 <= hypothesis.confidence <= 1.0
    assert all(0.0 <= c <= 1.0 and text != hypothesis.text for text, c in hypothesis.alternatives)
    with pytest.raises(RuntimeError):
        stream.feed(pcm[:320])
    stream.close()
    stream.close()


def test_a_long_input_keeps_the_buffer_and_the_decodes_bounded(
    tiny_model: Path, vocabulary: HomeVocabulary
) -> None:
    settings = _settings(tiny_model, stream_interval_ms=500, vad=VadSettings(max_seconds=10.0))
    stream = WhisperEngine(settings, vocabulary, cpu_threads=2).start()
    assert isinstance(stream, WhisperStream)
    noise = (np.random.default_rng(3).standard_normal(30 * SAMPLE_RATE) * 2000).astype("<i2").tobytes()
    for piece in _chunks(noise, seed=2):
        stream.feed(piece)
        assert stream.buffered <= stream.capacity
    assert stream.capacity == 10 * SAMPLE_RATE
    assert stream.dropped_samples == 20 * SAMPLE_RATE
    assert stream.decodes <= 10_000 // 500  # none once the buffer is full: nothing new to hear
    assert isinstance(stream.finish().text, str)


def test_slow_decodes_space_out_the_next_ones(engine: WhisperEngine) -> None:
    ticks = itertools.count()
    # Every decode appears to take 1 s: twice REALTIME_SHARE's worth of audio must pass before the next.
    stream = WhisperStream(engine, clock=lambda: float(next(ticks)))
    for piece in _chunks(_pcm(CLIP) * 4, seed=3):
        stream.feed(piece)
    seconds = stream.buffered / SAMPLE_RATE
    assert 1 < stream.decodes <= math.ceil(seconds * REALTIME_SHARE)


def test_finishing_without_audio_gives_an_empty_hypothesis(engine: WhisperEngine) -> None:
    stream = engine.start()
    stream.feed(b"")
    hypothesis = stream.finish()
    assert (hypothesis.text, hypothesis.confidence, hypothesis.alternatives) == ("", 0.0, ())


def test_a_model_that_never_stops_talking_is_cut_off(tmp_path: Path, vocabulary: HomeVocabulary) -> None:
    # End of text made (almost) impossible: only the token limit ends the decode.
    model = build_tiny_whisper(tmp_path / "chatty", eot_bias=-50.0)
    engine = WhisperEngine(_settings(model), vocabulary, cpu_threads=1)
    decoded = engine.decode(np.zeros(SAMPLE_RATE, dtype=np.float32))
    assert 0 < len(decoded.words) <= MIN_NEW_TOKENS + math.ceil(NEW_TOKENS_PER_SECOND)


def test_a_closed_engine_cannot_decode(tiny_model: Path, vocabulary: HomeVocabulary) -> None:
    engine = WhisperEngine(_settings(tiny_model), vocabulary, cpu_threads=1)
    stream = engine.start()
    engine.close()
    with pytest.raises(RuntimeError, match="closed"):
        stream.feed(b"\0\0" * SAMPLE_RATE)


# ---------------------------------------------------------------- start-up errors


def _broken_copy(tiny_model: Path, tmp_path: Path, missing: str = "", garbage: str = "") -> Path:
    target = tmp_path / "model"
    target.mkdir()
    for source in tiny_model.iterdir():
        if source.name != missing:
            (target / source.name).write_bytes(source.read_bytes())
    if garbage:
        (target / garbage).write_bytes(b"\x00not a model\xff" * 10)
    return target


def _model_path(case: str, tiny_model: Path, tmp_path: Path) -> Path | None:
    if case == "unset":
        return None
    if case == "missing":
        return tmp_path / "nowhere"
    if case == "a file":
        return tiny_model / "model.bin"
    what, name = case.split(" ", 1)
    if what == "no":
        return _broken_copy(tiny_model, tmp_path, missing=name)
    return _broken_copy(tiny_model, tmp_path, garbage=name)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("unset", "not set"),
        ("missing", "does not exist"),
        ("a file", "is not a directory"),
        ("no model.bin", "lacks model.bin"),
        ("no tokenizer.json", "lacks tokenizer.json"),
        ("no vocabulary.json", "lacks vocabulary.json"),
        ("corrupt model.bin", "cannot load"),
        ("corrupt config.json", "cannot load"),
        ("corrupt tokenizer.json", "cannot load"),
    ],
)
def test_a_bad_model_directory_names_the_key_and_what_to_put_there(
    case: str, expected: str, tiny_model: Path, tmp_path: Path, vocabulary: HomeVocabulary
) -> None:
    with pytest.raises(AsrError) as caught:
        WhisperEngine(_settings(_model_path(case, tiny_model, tmp_path)), vocabulary)
    error = caught.value
    assert error.key == "asr.model"
    assert expected in error.message
    assert "Systran/faster-whisper-tiny.en" in error.message
    assert "model.bin" in error.message and "tokenizer.json" in error.message
    if case.startswith("corrupt"):
        assert error.__cause__ is not None


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"compute_type": "int3"}, "asr.compute_type"),
        ({"language": "fr"}, "asr.language"),  # the tiny model, like tiny.en, is English-only
        ({"beam_size": 0}, "asr.beam_size"),
        ({"stream_interval_ms": 0}, "asr.stream_interval_ms"),
    ],
)
def test_other_bad_settings_name_their_key(
    changes: dict[str, object], key: str, tiny_model: Path, vocabulary: HomeVocabulary
) -> None:
    with pytest.raises(AsrError) as caught:
        WhisperEngine(_settings(tiny_model, **changes), vocabulary)
    assert caught.value.key == key
