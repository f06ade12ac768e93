"""Voice adaptation: model files, prompts, MAP and MLLR adaptation to espeak speech, the hub using them."""

from __future__ import annotations

import json
import math
import shutil
import struct
import wave
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pocketsphinx  # type: ignore[import-untyped]  # ships no type information
import pytest

from assistant.adapt_cli import build, home_prompts, read_recordings
from assistant.cli import main
from assistant.config import HearthConfig, load_config
from assistant.pipeline import build_understander, home_vocabulary
from assistant.speech.adapt import (
    ADAPTATION_INFO,
    MIN_RECORDINGS,
    TOOL_PACKAGES,
    Adaptation,
    AdaptationError,
    Recording,
    check_transform,
    find_tool,
    mixture_weights_file,
    prompts,
    read_fsg,
    read_sendump,
)
from assistant.speech.asr import Hypothesis
from assistant.speech.doubt import rival_reading
from assistant.speech.sphinx import SphinxEngine, acoustic_model, has_digital_silence, number_variants
from assistant.yamlpos import ConfigError, ConfigProblem
from intents.model import IntentMatch
from tests.conftest import require

from .conftest import Synth

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "config"
VALID_TRANSFORM = "1\n1\n2\n1.0 0.0\n0.0 1.0\n0.5 -0.5\n1.0 1.0\n"


def identity_transform(streams: int = 3, width: int = 13) -> str:
    """An MLLR transform that changes nothing, shaped for the stock en-US model (3 streams of 13)."""
    block = [str(width), *(" ".join("1" if i == j else "0" for j in range(width)) for i in range(width))]
    block += [" ".join(["0"] * width), " ".join(["1"] * width)]
    return "\n".join(["1", str(streams), *block * streams]) + "\n"


def require_adaptation_tools() -> None:
    """Fail in CI when CMU Sphinx's training tools are missing, skip on a developer machine."""
    require(
        all(find_tool(tool) for tool in TOOL_PACKAGES),
        "adaptation needs CMU Sphinx's tools: apt install sphinxtrain sphinxbase-utils pocketsphinx",
    )


@pytest.fixture(scope="module")
def config() -> HearthConfig:
    return load_config(SAMPLE)


# ------------------------------------------------------------------------------------- model files


def _string(text: str) -> bytes:
    raw = text.encode("latin-1") + b"\0"
    return struct.pack("<I", len(raw)) + raw


def _sendump(weights: np.ndarray, shift: int = 10, lines: Sequence[str] | None = None) -> bytes:
    """A sendump of (senones, streams, densities) weights, quantised as pocketsphinx stores them."""
    senones, streams, densities = weights.shape
    header = (
        lines if lines is not None else [f"feature_count {streams}", f"mixw_shift {shift}", "cluster_count 0"]
    )
    out = _string("mixture weights of a test") + b"".join(_string(line) for line in header)
    out += struct.pack("<I", 0) + struct.pack("<ii", densities, senones)
    quantised = np.rint(-np.log(weights) / math.log(1.0001) / (1 << shift))
    assert quantised.max() < 256
    return out + bytes(quantised.astype(np.uint8).transpose(1, 2, 0).tobytes())  # stream, density, senone


SMALL_WEIGHTS = np.array(
    [
        [[0.7, 0.2, 0.08, 0.02], [0.25, 0.25, 0.4, 0.1]],
        [[0.1, 0.1, 0.1, 0.7], [0.5, 0.3, 0.15, 0.05]],
        [[0.02, 0.9, 0.05, 0.03], [0.25, 0.25, 0.25, 0.25]],
    ]
)


def test_sendump_reads_back_as_normalised_weights_in_senone_stream_density_order() -> None:
    """A small sendump comes back with its shape, rows summing to 1 and the weights in their order."""
    weights = read_sendump(_sendump(SMALL_WEIGHTS))
    assert weights.shape == (3, 2, 4)
    np.testing.assert_allclose(weights.sum(axis=2), 1.0, rtol=1e-9)
    np.testing.assert_allclose(weights, SMALL_WEIGHTS, rtol=0.15)
    assert weights[0, 0, 0] > weights[0, 0, 1] > weights[0, 0, 2] > weights[0, 0, 3]
    assert weights[1, 0, 3] > weights[1, 0, 0]
    assert weights[2, 0, 1] > weights[2, 0, 2]
    np.testing.assert_allclose(weights[2, 1], 0.25)


def test_sendump_with_another_shift_and_unknown_header_lines() -> None:
    """mixw_shift is honoured and header lines without a number are passed over."""
    data = _sendump(SMALL_WEIGHTS, 8, ["feature_count 2", "version 0.1", "mixw_shift 8", "comment x"])
    np.testing.assert_allclose(read_sendump(data), SMALL_WEIGHTS, rtol=0.05)


def test_truncated_or_clustered_sendump_is_a_value_error() -> None:
    """A sendump cut short (in its weights or its header), or a clustered one, raises ValueError."""
    data = _sendump(SMALL_WEIGHTS)
    with pytest.raises(ValueError):
        read_sendump(data[:-1])
    with pytest.raises(ValueError):
        read_sendump(data[:30])
    with pytest.raises(ValueError):
        read_sendump(b"")
    clustered = _sendump(SMALL_WEIGHTS, lines=["feature_count 2", "mixw_shift 10", "cluster_count 16"])
    with pytest.raises(ValueError, match="clustered"):
        read_sendump(clustered)


def test_sendump_of_the_wheel_model() -> None:
    """The en-US model shipped with pocketsphinx has 5126 senones, 3 streams and 128 densities."""
    path = Path(pocketsphinx.get_model_path()) / "en-us" / "en-us" / "sendump"
    weights = read_sendump(path.read_bytes())
    assert weights.shape == (5126, 3, 128)
    np.testing.assert_allclose(weights.sum(axis=2), 1.0, rtol=1e-6)


def test_mixture_weights_file_is_s3_binary_that_round_trips() -> None:
    """The s3 header, the byte-order magic, the four sizes and float32 weights in senone order."""
    data = mixture_weights_file(SMALL_WEIGHTS)
    assert data.startswith(b"s3\n")
    end = data.index(b"endhdr\n") + len(b"endhdr\n")
    magic, senones, streams, densities, size = struct.unpack_from("<5I", data, end)
    assert magic == 0x11223344
    assert (senones, streams, densities, size) == (3, 2, 4, 24)
    payload = np.frombuffer(data, "<f4", offset=end + 20)
    assert payload.size == size
    np.testing.assert_array_equal(payload.reshape(3, 2, 4), SMALL_WEIGHTS.astype(np.float32))


def test_check_transform_accepts_a_transform_and_rejects_others(tmp_path: Path) -> None:
    """A well-formed transform passes; garbage, a truncated one, binary and a missing file do not."""
    good = tmp_path / "good"
    good.write_text(VALID_TRANSFORM)
    check_transform(good)
    model_shaped = tmp_path / "model_shaped"
    model_shaped.write_text(identity_transform())
    check_transform(model_shaped)
    bad: dict[str, str | bytes] = {
        "garbage": "hello there\nthis is not a matrix\n",
        "truncated": VALID_TRANSFORM.rsplit(" ", 1)[0],
        "header only": "1\n1\n2\n",
        "no classes": "0\n1\n2\n1 0 0 1 0 0 1 1\n",
        "empty": "",
        "binary": b"\x00\xff\xfe" * 20,
    }
    for name, content in bad.items():
        path = tmp_path / name.replace(" ", "_")
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        with pytest.raises(ValueError):
            check_transform(path)
    with pytest.raises(ValueError):
        check_transform(tmp_path / "absent")


# ----------------------------------------------------------------------------------------- prompts

TINY_FSG = """FSG_BEGIN tiny
NUM_STATES 5
START_STATE 0
FINAL_STATE 4
TRANSITION 0 1 0.5 turn
TRANSITION 0 1 0.5 switch
TRANSITION 1 2 0.5 on
TRANSITION 1 2 0.5 off
TRANSITION 2 3 1.0 the
TRANSITION 3 4 0.5 lamp
TRANSITION 3 4 0.5 fan
TRANSITION 4 1 0.1 and
FSG_END
"""
TINY_WORDS = {"turn", "switch", "on", "off", "the", "lamp", "fan", "and"}


def _walks(fsg: str, sentence: str) -> bool:
    """Whether `sentence` is a path of `fsg` from its start state to its final state."""
    start, final, arcs = read_fsg(fsg)
    states = {start}
    for word in sentence.split():
        states = {to for state in states for to, said in arcs.get(state, []) if said == word}
    return final in states


def test_prompts_are_distinct_paths_of_the_grammar() -> None:
    """Every prompt walks from the start to the final state, and none comes twice."""
    chosen = prompts(TINY_FSG, 12, seed=3)
    assert chosen
    assert len(chosen) <= 12
    assert len(set(chosen)) == len(chosen)
    for sentence in chosen:
        assert _walks(TINY_FSG, sentence), sentence
    assert not _walks(TINY_FSG, "turn on the")  # the walk itself tells paths from non-paths


def test_prompts_respect_count_seed_exclusions_and_cover_the_words() -> None:
    """Count is a ceiling, a seed repeats its list, excluded sentences never come, few prompts cover all."""
    assert len(prompts(TINY_FSG, 3)) == 3
    assert prompts(TINY_FSG, 0) == []
    assert prompts(TINY_FSG, 6, seed=7) == prompts(TINY_FSG, 6, seed=7)
    covering = prompts(TINY_FSG, 4, seed=1)
    assert {word for sentence in covering for word in sentence.split()} == TINY_WORDS
    plain = ["turn on the lamp", "turn off the fan", "switch on the fan", "switch off the lamp"]
    excluded = prompts(TINY_FSG, 100, seed=2, exclude=[*plain[:3], "  SWITCH  off the   lamp "])
    assert excluded
    assert not set(plain) & set(excluded)
    assert all(_walks(TINY_FSG, sentence) for sentence in excluded)


def test_prompts_of_the_sample_home(config: HearthConfig) -> None:
    """The home's own grammar gives the asked number of distinct prompts."""
    chosen = home_prompts(config, 5)
    assert len(chosen) == len(set(chosen)) == 5
    assert all(sentence.split() for sentence in chosen)


# -------------------------------------------------------------------------------- digital silence


def test_digital_silence_is_told_from_microphone_noise(synth: Synth) -> None:
    """espeak's padded audio holds exact zeros; noise and a short run of zeros do not count."""
    assert has_digital_silence(synth("turn on the kitchen light"))
    noise = np.random.default_rng(5).normal(0, 30, 16000).round().astype("<i2")
    assert not has_digital_silence(noise.tobytes())
    assert not has_digital_silence(bytes(2 * 80))  # 5 ms
    assert not has_digital_silence(b"")
    gap = noise.copy()
    gap[4000 : 4000 + 320] = 0  # 20 ms of zeros inside the noise
    assert has_digital_silence(gap.tobytes())
    gap[4000 : 4000 + 320] = np.where(np.arange(320) % 100 == 50, 1, 0)  # broken into runs under 10 ms
    assert not has_digital_silence(gap.tobytes())


# ----------------------------------------------------------------------------------------- numbers


def _accepting(*sentences: str) -> Callable[[Sequence[str]], bool]:
    allowed = set(sentences)
    return lambda words: " ".join(words) in allowed


def test_number_variants_offer_the_sound_alike_numbers() -> None:
    """Heard "fifty two", "fifteen" or "fifty" may have been said; heard "fifteen", "fifty"."""
    words = ["set", "a", "timer", "for", "fifty", "two", "minutes"]
    accepts = _accepting(
        "set a timer for fifteen minutes",
        "set a timer for fifty minutes",
        "set a timer for fifty two minutes",
    )
    found = number_variants(words, accepts)
    assert "set a timer for fifteen minutes" in found
    assert "set a timer for fifty minutes" in found
    assert " ".join(words) not in found
    assert number_variants(["set", "a", "timer", "for", "fifteen", "minutes"], accepts) == [
        "set a timer for fifty minutes"
    ]
    assert number_variants(words, _accepting()) == []
    assert number_variants(["turn", "on", "the", "kitchen", "light"], lambda _words: True) == []


def test_a_runner_up_with_another_number_is_a_rival() -> None:
    """Same intent, another duration: the runner-up is reported; the same numbers are not."""
    understander = build_understander(load_config(SAMPLE))

    def understand(text: str) -> tuple[IntentMatch, ...]:
        return understander.understand(text, (), "kitchen").matches

    heard = Hypothesis("set a timer for fifty two minutes", 0.6, (("set a timer for fifteen minutes", 0.3),))
    assert rival_reading(heard, understand) == "set a timer for fifteen minutes"
    same = Hypothesis(
        "set a timer for fifty two minutes", 0.6, (("start a timer for fifty two minutes", 0.5),)
    )
    assert understand("start a timer for fifty two minutes")
    assert rival_reading(same, understand) is None


# ------------------------------------------------------------------------------------------ config


@pytest.fixture
def home(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(SAMPLE, target)
    return target


def _with_asr(home: Path, lines: str) -> None:
    path = home / "hearth.yaml"
    text = path.read_text()
    assert "asr:\n" in text
    path.write_text(text.replace("asr:\n", f"asr:\n{lines}", 1))


def _problems(home: Path) -> list[ConfigProblem]:
    with pytest.raises(ConfigError) as info:
        load_config(home)
    return info.value.problems


def test_adaptation_key_points_at_a_transform(home: Path) -> None:
    """A transform file, or a folder holding mllr_matrix, becomes AsrSettings.adaptation."""
    assert load_config(home).asr.adaptation is None
    (home / "voice").mkdir()
    (home / "voice" / "mllr_matrix").write_text(identity_transform())
    _with_asr(home, "  adaptation: voice/mllr_matrix\n")
    assert load_config(home).asr.adaptation == (home / "voice" / "mllr_matrix").resolve()
    hearth = home / "hearth.yaml"
    hearth.write_text(hearth.read_text().replace("adaptation: voice/mllr_matrix", "adaptation: voice"))
    assert load_config(home).asr.adaptation == (home / "voice" / "mllr_matrix").resolve()


def test_missing_or_broken_adaptation_names_its_key(home: Path) -> None:
    """A missing file, one that is not a transform and an empty folder are errors of asr.adaptation."""
    _with_asr(home, "  adaptation: voice/mllr_matrix\n")
    [problem] = _problems(home)
    assert problem.key == "asr.adaptation" and "does not exist" in problem.message
    assert "asr.adaptation" in str(ConfigError([problem]))
    (home / "voice").mkdir()
    (home / "voice" / "mllr_matrix").write_text("not a transform at all\n")
    [problem] = _problems(home)
    assert problem.key == "asr.adaptation" and "cannot be used" in problem.message
    (home / "voice" / "mllr_matrix").unlink()
    hearth = home / "hearth.yaml"
    hearth.write_text(hearth.read_text().replace("adaptation: voice/mllr_matrix", "adaptation: voice"))
    [problem] = _problems(home)
    assert problem.key == "asr.adaptation"


def test_a_transform_shaped_for_another_model_is_a_config_error(home: Path) -> None:
    """A transform of 1 stream (or of width 2) cannot apply to the 3 x 13 en-US model."""
    (home / "voice").mkdir()
    (home / "voice" / "mllr_matrix").write_text(identity_transform(streams=1))
    _with_asr(home, "  adaptation: voice/mllr_matrix\n")
    [problem] = _problems(home)
    assert problem.key == "asr.adaptation"


def test_adaptation_is_only_for_pocketsphinx(home: Path) -> None:
    """With faster-whisper the adaptation key is an error."""
    (home / "voice").mkdir()
    (home / "voice" / "mllr_matrix").write_text(identity_transform())
    (home / "whisper").mkdir()
    hearth = home / "hearth.yaml"
    hearth.write_text(hearth.read_text().replace("engine: pocketsphinx", "engine: faster-whisper", 1))
    _with_asr(home, "  model: whisper\n  adaptation: voice/mllr_matrix\n")
    [problem] = _problems(home)
    assert problem.key == "asr.adaptation" and "pocketsphinx" in problem.message


# ------------------------------------------------------------------------------------- adaptation


def _adapted_to_espeak(
    config: HearthConfig, synth: Synth, tmp_path_factory: pytest.TempPathFactory, method: str, name: str
) -> tuple[Adaptation, Path]:
    """An adaptation to espeak's voice from 8 prompts of the sample home, written to voice/`name`."""
    require_adaptation_tools()
    recordings = [Recording(synth(sentence), sentence) for sentence in home_prompts(config, 8)]
    out = tmp_path_factory.mktemp("adapt") / "voice" / name
    return build(config, recordings, out, method), out


@pytest.fixture(scope="module")
def adapted(
    config: HearthConfig, synth: Synth, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Adaptation, Path]:
    """An MLLR transform for espeak's voice."""
    return _adapted_to_espeak(config, synth, tmp_path_factory, "mllr", "mllr_matrix")


def test_adaptation_from_espeak_prompts(adapted: tuple[Adaptation, Path]) -> None:
    """The transform is written, passes the check, and its .json beside it tells what it came from."""
    result, out = adapted
    assert result.output == out and result.method == "mllr"
    assert result.recordings == 8
    assert MIN_RECORDINGS <= result.aligned <= 8
    assert result.seconds_of_speech > 8
    check_transform(out)
    info = json.loads(out.with_suffix(".json").read_text())
    assert info["recordings"] == 8
    assert info["aligned"] == result.aligned


@pytest.fixture(scope="module")
def adapted_engine(
    config: HearthConfig, adapted: tuple[Adaptation, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SphinxEngine]:
    settings = replace(config.asr, adaptation=adapted[1])
    engine = SphinxEngine(
        settings, home_vocabulary(config), cache_dir=tmp_path_factory.mktemp("sphinx"), decoders=1
    )
    yield engine
    engine.close()


def test_adapted_engine_hears_a_command(adapted_engine: SphinxEngine, synth: Synth) -> None:
    """pocketsphinx listening through the transform hears a synthesised command word for word."""
    pcm = synth("turn on the kitchen light")
    stream = adapted_engine.start()
    try:
        for start in range(0, len(pcm), 3200):
            stream.feed(pcm[start : start + 3200])
        hypothesis = stream.finish()
    finally:
        stream.close()
    assert hypothesis.text == "turn on the kitchen light"
    assert hypothesis.confidence >= adapted_engine.min_confidence
    assert "adapted by" in adapted_engine.level.model  # the adapted model keeps a speech level of its own


@pytest.fixture(scope="module")
def map_adapted(
    config: HearthConfig, synth: Synth, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Adaptation, Path]:
    """A MAP-adapted copy of the stock model, from the same 8 espeak prompts."""
    return _adapted_to_espeak(config, synth, tmp_path_factory, "map", "model")


def test_map_adaptation_writes_a_model_folder_the_hub_can_load(map_adapted: tuple[Adaptation, Path]) -> None:
    """The folder holds a whole model, the phone language model of the confidence, and where it came from."""
    result, out = map_adapted
    assert result.output == out and result.method == "map"
    for name in ("mdef", "means", "variances", "mixture_weights", "transition_matrices", "feat.params"):
        assert (out / name).is_file(), name
    assert not (out / "sendump").exists()  # the adapted weights replace the stock quantised ones
    model = acoustic_model(out)
    assert model.phone_lm is not None and model.phone_lm.parent == out
    stock = np.fromfile(acoustic_model(None).path / "means", dtype=np.uint8)
    assert not np.array_equal(np.fromfile(out / "means", dtype=np.uint8), stock)  # the means moved
    info = json.loads((out / ADAPTATION_INFO).read_text())
    assert info["method"] == "map" and info["recordings"] == 8 and info["aligned"] == result.aligned


def test_map_adapted_engine_hears_a_command(
    config: HearthConfig, map_adapted: tuple[Adaptation, Path], synth: Synth, tmp_path: Path
) -> None:
    """pocketsphinx on the adapted model (`asr.model`) hears a synthesised command word for word."""
    engine = SphinxEngine(
        replace(config.asr, model=map_adapted[1]), home_vocabulary(config), cache_dir=tmp_path, decoders=1
    )
    try:
        pcm = synth("turn off the garage light")
        stream = engine.start()
        try:
            stream.feed(pcm)
            hypothesis = stream.finish()
        finally:
            stream.close()
    finally:
        engine.close()
    assert hypothesis.text == "turn off the garage light"
    assert hypothesis.confidence >= engine.min_confidence
    assert engine.level.model == str(map_adapted[1])  # a speech level of its own


def test_an_adapted_model_adapts_again_in_place(
    config: HearthConfig, map_adapted: tuple[Adaptation, Path], synth: Synth, tmp_path: Path
) -> None:
    """`asr.model` pointing at an adapted folder, adapted again into that folder: replaced whole."""
    folder = tmp_path / "model"
    shutil.copytree(map_adapted[1], folder)
    again = replace(config, asr=replace(config.asr, model=folder))
    recordings = [Recording(synth(s), s) for s in home_prompts(config, MIN_RECORDINGS, exclude=["x"])]
    result = build(again, recordings, folder)
    assert result.output == folder
    assert json.loads((folder / ADAPTATION_INFO).read_text())["model"] == str(folder)
    assert acoustic_model(folder).path == folder
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # nothing staged is left behind


def test_too_few_recordings_is_an_adaptation_error(config: HearthConfig, tmp_path: Path) -> None:
    """Fewer than MIN_RECORDINGS sentences are refused before any tool runs."""
    recordings = [Recording(bytes(3200), "turn on the kitchen light")] * (MIN_RECORDINGS - 1)
    with pytest.raises(AdaptationError, match=str(MIN_RECORDINGS)):
        build(config, recordings, tmp_path / "mllr_matrix")
    assert not (tmp_path / "mllr_matrix").exists()


def test_transcripts_that_do_not_match_fail_cleanly(
    config: HearthConfig, synth: Synth, tmp_path: Path
) -> None:
    """Audio whose transcript says something else adapts or raises AdaptationError, nothing worse."""
    require_adaptation_tools()
    said = synth("what time is it")
    texts = home_prompts(config, MIN_RECORDINGS + 1)
    out = tmp_path / "mllr_matrix"
    try:
        result = build(config, [Recording(said, text) for text in texts], out, "mllr")
    except AdaptationError as err:
        assert str(err)
        assert not out.exists()
    else:
        check_transform(result.output)


def test_transcripts_that_do_not_match_are_refused(
    config: HearthConfig, synth: Synth, tmp_path: Path
) -> None:
    """When no recording says its transcript, the model follows none of them: an AdaptationError."""
    require_adaptation_tools()
    said = synth("what time is it")
    recordings = [Recording(said, text) for text in home_prompts(config, MIN_RECORDINGS + 1)]
    with pytest.raises(AdaptationError, match="followed only"):
        build(config, recordings, tmp_path / "mllr_matrix")


def test_a_transcript_without_words_is_an_adaptation_error(
    config: HearthConfig, synth: Synth, tmp_path: Path
) -> None:
    """An empty transcript is named by its recording's number."""
    require_adaptation_tools()
    recordings = [Recording(synth("turn on the kitchen light"), "turn on the kitchen light")] * MIN_RECORDINGS
    recordings[2] = Recording(recordings[2].audio, "  ")
    with pytest.raises(AdaptationError, match="recording 3"):
        build(config, recordings, tmp_path / "mllr_matrix")


def _write_wav(path: Path, pcm: bytes, rate: int = 16000) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)


def test_read_recordings_lists_the_folder(tmp_path: Path) -> None:
    """prompts.tsv names each recording and its words; audio at another rate is converted to 16 kHz."""
    tone = (np.sin(np.arange(8000) / 5) * 3000).astype("<i2").tobytes()
    _write_wav(tmp_path / "a.wav", tone)
    _write_wav(tmp_path / "b.wav", tone, rate=8000)
    (tmp_path / "prompts.tsv").write_text("a.wav\tturn on the lamp \n\nb.wav\topen the door\n")
    first, second = read_recordings(tmp_path)
    assert first == Recording(tone, "turn on the lamp")
    assert second.text == "open the door"
    assert abs(len(second.audio) - 2 * len(tone)) < 400


def test_read_recordings_names_the_bad_line(tmp_path: Path) -> None:
    """A line without a tab, a missing prompts.tsv and an unreadable file are AdaptationErrors."""
    with pytest.raises(AdaptationError, match=r"prompts\.tsv"):
        read_recordings(tmp_path)
    _write_wav(tmp_path / "a.wav", bytes(3200))
    (tmp_path / "prompts.tsv").write_text("a.wav\tturn on the lamp\nb.wav turn off the lamp\n")
    with pytest.raises(AdaptationError, match=r"prompts\.tsv:2:"):
        read_recordings(tmp_path)
    (tmp_path / "prompts.tsv").write_text("a.wav\tturn on the lamp\nmissing.wav\tturn off the lamp\n")
    with pytest.raises(AdaptationError, match=r"prompts\.tsv:2: cannot read missing\.wav"):
        read_recordings(tmp_path)


# --------------------------------------------------------------------------------------------- CLI


def test_cli_prints_prompts(capsys: pytest.CaptureFixture[str]) -> None:
    """`hearth adapt prompts --count 3` prints three sentences, one per line."""
    assert main(["adapt", "prompts", "--config", str(SAMPLE), "--count", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert all(line.strip() for line in lines)


def test_cli_build_needs_a_folder(capsys: pytest.CaptureFixture[str]) -> None:
    """`hearth adapt build` without the folder of recordings is a usage error."""
    assert main(["adapt", "build", "--config", str(SAMPLE)]) == 2
    assert "folder" in capsys.readouterr().err


def test_cli_build_reports_a_bad_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A folder without prompts.tsv is reported, not raised."""
    assert main(["adapt", "build", str(tmp_path), "--config", str(SAMPLE), "--out", str(tmp_path / "m")]) == 1
    assert "prompts.tsv" in capsys.readouterr().err
