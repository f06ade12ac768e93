"""The embedded engine: pocketsphinx with a grammar of the sample home, on synthesised speech."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.config import HearthConfig, load_config
from assistant.pipeline import home_vocabulary
from assistant.speech.adapt import read_fsg
from assistant.speech.asr import AsrError, AsrSettings, HomeVocabulary
from assistant.speech.level import (
    SPEECH_PRIOR,
    distance,
    format_mean,
    parse_mean,
    utterance_mean,
    voiced_frames,
)
from assistant.speech.sphinx import (
    SECOND_OPINION_FROM,
    SphinxEngine,
    acoustic_model,
    agreed_confidence,
    longer_names,
    loop_fsg_text,
    name_pairs,
    prepare_grammar,
    singular_twin,
)
from intents.jsgf import WordGraph
from intents.model import EntityName

from .conftest import Synth

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def config() -> HearthConfig:
    return load_config(ROOT / "config")


@pytest.fixture(scope="module")
def vocabulary(config: HearthConfig) -> HomeVocabulary:
    return home_vocabulary(config)


@pytest.fixture(scope="module")
def engine(
    config: HearthConfig, vocabulary: HomeVocabulary, tmp_path_factory: pytest.TempPathFactory
) -> SphinxEngine:
    loaded = SphinxEngine(config.asr, vocabulary, cache_dir=tmp_path_factory.mktemp("sphinx"), decoders=1)
    yield loaded  # type: ignore[misc]
    loaded.close()


def hear(engine: SphinxEngine, pcm: bytes, chunk: int = 3200) -> tuple[str, float]:
    stream = engine.start()
    try:
        for start in range(0, len(pcm), chunk):
            stream.feed(pcm[start : start + chunk])
        hypothesis = stream.finish()
    finally:
        stream.close()
    return hypothesis.text, hypothesis.confidence


@pytest.mark.parametrize(
    "command",
    ["turn on the kitchen light", "open the garage door", "close the bedroom blinds", "what time is it"],
)
def test_commands_of_the_home_are_heard_word_for_word(
    engine: SphinxEngine, synth: Synth, command: str
) -> None:
    text, confidence = hear(engine, synth(command))
    assert text == command
    assert confidence >= engine.min_confidence


def test_speech_the_grammar_cannot_say_scores_below_the_floor(engine: SphinxEngine, synth: Synth) -> None:
    # A closed grammar always finds some sentence; the confidence must say it is not what was said.
    for sentence in ("what is the weather like in new york", "the quick brown fox jumps over the lazy dog"):
        text, confidence = hear(engine, synth(sentence))
        assert confidence < engine.min_confidence, (sentence, text, confidence)


def test_the_size_of_the_chunks_does_not_change_what_is_heard(engine: SphinxEngine, synth: Synth) -> None:
    pcm = synth("turn off the garage light")
    # 20 ms frames, as browsers send them, once fed straight to the decoder came out as "are lock in
    # the garage locked"; the stream now decodes in blocks and again when the running mean moved.
    for chunk in (len(pcm), 3200, 640):
        text, confidence = hear(engine, pcm, chunk=chunk)
        assert text == "turn off the garage light", chunk
        assert confidence >= engine.min_confidence, chunk


@pytest.mark.parametrize(
    "command", ["set the kitchen light to blue", "make the bedroom light brighter", "is the kitchen light on"]
)
def test_a_lost_final_s_is_not_heard_as_a_plural(engine: SphinxEngine, synth: Synth, command: str) -> None:
    """Synthesised singulars the decoder alone took for plurals ("the kitchen lights": both lights)."""
    assert hear(engine, synth(command))[0] == command


def test_the_singular_twin_is_only_a_sentence_of_the_grammar() -> None:
    grammar = {"turn on the kitchen light", "turn on the kitchen lights", "turn on the lights"}

    def accepts(words: Sequence[str]) -> bool:
        return " ".join(words) in grammar

    assert singular_twin(["turn", "on", "the", "kitchen", "lights"], accepts) == "turn on the kitchen light"
    assert singular_twin(["turn", "on", "the", "lights"], accepts) is None  # "turn on the light" is not in it
    assert singular_twin(["turn", "on", "the", "kitchen", "light"], accepts) is None  # singular already


def test_a_name_that_starts_a_longer_one_offers_the_longer_one_as_a_runner_up() -> None:
    pairs = name_pairs(["Kitchen Light", "kitchen light strip", "TV", "kitchen"])
    assert (("kitchen", "light"), ("kitchen", "light", "strip")) in pairs
    assert (("kitchen",), ("kitchen", "light")) in pairs
    grammar = {"turn on the kitchen light", "turn on the kitchen light strip"}

    def accepts(words: Sequence[str]) -> bool:
        return " ".join(words) in grammar

    said = ["turn", "on", "the", "kitchen", "light"]
    assert longer_names(said, pairs, accepts) == ["turn on the kitchen light strip"]
    # the longer name said already is not lengthened again, and sentences the grammar lacks are not offered
    assert longer_names([*said, "strip"], pairs, accepts) == []


def test_more_streams_than_decoders_wait_their_turn(engine: SphinxEngine, synth: Synth) -> None:
    commands = ["turn on the kitchen light", "open the garage door", "lock the front door"]
    audio = [synth(command) for command in commands]
    results: dict[int, str] = {}

    def one(index: int) -> None:
        results[index] = hear(engine, audio[index])[0]

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(commands))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [results.get(i) for i in range(len(commands))] == commands


def test_a_closed_stream_gives_its_decoder_back(engine: SphinxEngine, synth: Synth) -> None:
    pcm = synth("turn on the kitchen light")
    abandoned = engine.start()
    abandoned.feed(pcm[: len(pcm) // 2])  # holds the only decoder
    abandoned.close()
    abandoned.close()  # idempotent
    assert hear(engine, pcm)[0] == "turn on the kitchen light"  # would wait forever if it were not given back
    with pytest.raises(RuntimeError):
        abandoned.feed(pcm)


def _fsg_accepts(text: str, words: str) -> bool:
    start, final, out = read_fsg(text)
    states = {start}
    for word in words.split():
        states = {target for state in states for target, said in out.get(state, ()) if said == word}
    return final in states


def test_the_word_pair_grammar_says_what_the_home_says_and_more_but_not_anything() -> None:
    """Sentences made of word pairs of the home's sentences, started and ended as they can be."""
    # "turn on the light" | "turn off the fan" | "stop", with a free edge as word_graph leaves them
    graph = WordGraph(
        8, 1,
        ((0, 2, "turn"), (2, 3, "on"), (2, 4, "off"), (3, 5, "the"), (4, 6, "the"), (5, 1, "light"),
         (6, 7, "fan"), (7, 1, None), (0, 1, "stop")),
    )  # fmt: skip
    text = loop_fsg_text(graph)
    for said in ("turn on the light", "turn off the fan", "stop", "turn on the fan", "turn off the light"):
        assert _fsg_accepts(text, said), said
    for unsaid in (
        "the light",
        "turn on",
        "turn on the",
        "light",
        "turn the light",
        "stop stop",
        "on the fan",
    ):
        assert not _fsg_accepts(text, unsaid), unsaid
    assert text.startswith("FSG_BEGIN loop\n")


def test_a_transcript_under_the_floor_gets_a_second_opinion(
    config: HearthConfig, vocabulary: HomeVocabulary, synth: Synth, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Under the floor, a transcript the word-pair search hears word for word goes half-way to certain.

    Two fresh engines hear the same audio from the same level; the second has its floor above every
    confidence, so its transcripts all get the second opinion.
    """
    strict = replace(config.asr, min_confidence=0.999)
    heard: list[list[tuple[str, float]]] = []
    for settings in (config.asr, strict):
        engine = SphinxEngine(settings, vocabulary, cache_dir=tmp_path_factory.mktemp("second"), decoders=1)
        try:
            heard.append(
                [
                    hear(engine, synth(s))
                    for s in ("turn on the kitchen light", "what is the weather like in new york")
                ]
            )
        finally:
            engine.close()
    (command, unsaid), (command_again, unsaid_again) = heard
    assert command[0] == command_again[0] == "turn on the kitchen light"
    assert SECOND_OPINION_FROM <= command[1] < 0.999
    assert command_again[1] == pytest.approx(agreed_confidence(command[1]), abs=1e-3)
    # speech the home has no sentence for: no search hears the grammar's forced sentence word for word
    assert unsaid_again[1] == pytest.approx(unsaid[1], abs=1e-3)
    assert unsaid_again[1] < 0.5


def test_the_grammar_is_cached_by_what_it_depends_on(vocabulary: HomeVocabulary, tmp_path: Path) -> None:
    model = acoustic_model(None)
    first = prepare_grammar(vocabulary, model, tmp_path)
    again = prepare_grammar(vocabulary, model, tmp_path)
    assert not first.cached and again.cached and again.key == first.key
    renamed = [*vocabulary.entities[:-1], replace(vocabulary.entities[-1], names=("Zorblax Gadget",))]
    changed = prepare_grammar(replace(vocabulary, entities=renamed), model, tmp_path)
    assert not changed.cached and changed.key != first.key
    # A word the dictionary lacks gets a pronunciation instead of failing the grammar.
    assert "zorblax" in changed.guessed
    assert any(line.startswith("zorblax ") for line in changed.dictionary.read_text().splitlines())
    fsg = changed.fsg.read_text()
    assert fsg.startswith("FSG_BEGIN") and " zorblax" in fsg
    assert " zorblax" in changed.loop.read_text()  # the word pairs of the second opinion follow the names


def test_a_damaged_cache_is_rebuilt(vocabulary: HomeVocabulary, tmp_path: Path) -> None:
    model = acoustic_model(None)
    first = prepare_grammar(vocabulary, model, tmp_path)
    first.fsg.with_suffix(".json").write_text("{not json")
    rebuilt = prepare_grammar(vocabulary, model, tmp_path)
    assert not rebuilt.cached and rebuilt.fsg.read_text() == first.fsg.read_text()
    rebuilt.loop.unlink()  # a cache from before the word-pair grammar, or half deleted
    again = prepare_grammar(vocabulary, model, tmp_path)
    assert not again.cached and again.loop.read_text() == first.loop.read_text()


def test_a_bad_model_path_names_the_key_and_what_belongs_there(
    vocabulary: HomeVocabulary, tmp_path: Path
) -> None:
    with pytest.raises(AsrError) as missing:
        SphinxEngine(AsrSettings(model=tmp_path / "nowhere"), vocabulary, cache_dir=tmp_path)
    assert missing.value.key == "asr.model" and "not a directory" in str(missing.value)
    (tmp_path / "empty").mkdir()
    with pytest.raises(AsrError) as empty:
        SphinxEngine(AsrSettings(model=tmp_path / "empty"), vocabulary, cache_dir=tmp_path)
    assert empty.value.key == "asr.model" and "mdef" in str(empty.value)


def test_intents_no_device_can_do_are_not_listened_for(vocabulary: HomeVocabulary, tmp_path: Path) -> None:
    lamp = EntityName("lamp", ("Reading Lamp",), "light", None)
    files = prepare_grammar(replace(vocabulary, entities=[lamp]), acoustic_model(None), tmp_path)
    fsg = files.fsg.read_text()
    assert " reading" in fsg and " maker" not in fsg  # only the home's names
    assert " blinds" not in fsg  # no cover in this home, so no "close the blinds" to mishear


def _decode_from(engine: SphinxEngine, mean: Sequence[float], pcm: bytes) -> tuple[float, ...]:
    """Where one decoder's cepstral mean ends after hearing `pcm` from `mean`."""
    slot = engine._pool.take(wait=True)
    assert slot is not None
    try:
        slot.grammar.set_cmn(format_mean(mean))
        slot.grammar.start_utt()
        slot.grammar.process_raw(pcm, False, False)
        slot.grammar.end_utt()
        return parse_mean(slot.grammar.get_cmn())
    finally:
        engine._pool.give(slot)


def test_the_utterance_mean_is_what_pocketsphinx_blends(engine: SphinxEngine, synth: Synth) -> None:
    # level.py relies on how pocketsphinx's live CMN weighs history: one utterance heard from two very
    # different means must give back the same mean of its own.
    pcm = synth("turn off the garage light")
    frames = voiced_frames(pcm)
    starts = (SPEECH_PRIOR, tuple(v + 20.0 for v in SPEECH_PRIOR))
    own = [utterance_mean(start, _decode_from(engine, start, pcm), frames) for start in starts]
    assert own[0] is not None and own[1] is not None
    assert distance(own[0], own[1]) < 0.5


def test_every_utterance_length_updates_the_speech_level(engine: SphinxEngine, synth: Synth) -> None:
    # pocketsphinx's circular feature buffer dropped the last block of an utterance, and with it the
    # update of the cepstral mean, for 3 lengths in every 12 frames: the browser test's command went
    # unheard ("are the lock in kitchen on") whenever the hub's endpoint cut it at such a length. Twelve
    # consecutive frame counts cover the whole cycle.
    pcm = synth("turn the kitchen light on")
    for extra in range(12):
        padded = pcm + bytes(2 * 160 * extra)
        assert _decode_from(engine, SPEECH_PRIOR, padded) != SPEECH_PRIOR, f"{extra} frames of padding"


@pytest.mark.parametrize("command", ["turn the kitchen light on", "close the bedroom blinds"])
def test_a_fresh_engine_hears_its_first_command_clearly(
    vocabulary: HomeVocabulary, config: HearthConfig, synth: Synth, tmp_path: Path, command: str
) -> None:
    # The first utterance of a new decoder was heard with pocketsphinx's starting mean, then again with a
    # blend of it: "turn the kitchen light on" scored "… off" at 0.45 of it and the hub asked which one
    # was meant (the browser test failed so in CI). Now it is decoded again with its own mean.
    fresh = SphinxEngine(config.asr, vocabulary, cache_dir=tmp_path, decoders=1)
    try:
        stream = fresh.start()
        stream.feed(synth(command))
        hypothesis = stream.finish()
        stream.close()
    finally:
        fresh.close()
    assert hypothesis.text == command and hypothesis.confidence > 0.8
    assert all(confidence < 0.1 for _, confidence in hypothesis.alternatives)


def test_the_speech_level_is_shared_by_the_decoders_and_kept_across_restarts(
    vocabulary: HomeVocabulary, config: HearthConfig, synth: Synth, tmp_path: Path
) -> None:
    first = SphinxEngine(config.asr, vocabulary, cache_dir=tmp_path, decoders=2)
    try:
        assert first.level.mean == SPEECH_PRIOR
        assert hear(first, synth("open the garage door"))[0] == "open the garage door"
        heard = first.level.mean
        assert distance(heard, SPEECH_PRIOR) > 5  # espeak-ng is no average person
        # A second stream while the first is still open takes the other decoder: it starts from the level.
        holding = first.start()
        holding.feed(bytes(3200))
        assert hear(first, synth("close the bedroom blinds"))[0] == "close the bedroom blinds"
        holding.close()
    finally:
        first.close()
    again = SphinxEngine(config.asr, vocabulary, cache_dir=tmp_path, decoders=1)
    try:
        assert distance(again.level.mean, first.level.mean) < 0.01
    finally:
        again.close()
