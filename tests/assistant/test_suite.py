"""The YAML intent suites (held-out sentences by category), run through the real pipeline.

Every category must stay at or under 1 % wrong actions: asking back or not understanding is allowed,
doing something else is not. The exact-rate floors guard against regressions; the issue's targets and the
measured figures are printed by `hearth bench --only understanding`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import HearthConfig, load_config
from assistant.evaluate import SUITE_NAMES, DryRunDevices, Report, evaluate, load_suite
from assistant.pipeline import Pipeline, build_understander, load_classifier
from devices.registry import Registry

ROOT = Path(__file__).resolve().parents[2]
SUITES = {name: ROOT / "tests" / "intents" / name for name in SUITE_NAMES}
# Lowest accepted exact rate per category (percent), a little under what was measured when they were set.
FLOORS = {
    "suite": {
        "template": 98,
        "typo": 96,
        "asr_noise": 92,
        "paraphrase": 91,
        "multi_command": 92,
        "followup": 96,
        "questions": 93,
        "relative": 90,
        "timers": 96,
        "out_of_domain": 97,
    },
    "holdout": {
        "template": 97,
        "typo": 92,
        "asr_noise": 87,
        "paraphrase": 89,
        "multi_command": 96,
        "followup": 94,
        "questions": 88,
        "relative": 90,
        "timers": 96,
        "out_of_domain": 88,
    },
    # Written blind by someone who never saw the code; first run before any change: see the README.
    "fresh": {
        "template": 96,
        "typo": 97,
        "asr_noise": 88,
        "paraphrase": 93,
        "multi_command": 90,
        "followup": 96,
        "safety": 91,
    },
    # Two more blind suites, each written by someone who saw only the device list; their first runs are in
    # the README. The floors sit a little under the figures after the fixes they prompted.
    "blind": {
        "template": 98,
        "typo": 97,
        "asr_noise": 92,
        "paraphrase": 94,
        "multi_command": 94,
        "followup": 97,
        "safety": 95,
    },
    "blind2": {
        "template": 98,
        "typo": 95,
        "asr_noise": 95,
        "paraphrase": 95,
        "multi_command": 97,
        "followup": 98,
        "safety": 92,
    },
    "blind3": {
        "template": 98,
        "typo": 97,
        "asr_noise": 96,
        "paraphrase": 96,
        "multi_command": 97,
        "followup": 97,
        "safety": 97,
    },
    "blind4": {
        "template": 98,
        "typo": 96,
        "asr_noise": 98,
        "paraphrase": 95,
        "multi_command": 94,
        "followup": 98,
        "safety": 96,
    },
    "blind5": {
        "template": 98,
        "typo": 97,
        "asr_noise": 97,
        "paraphrase": 88,
        "multi_command": 97,
        "followup": 96,
        "safety": 97,
    },
    # Written in other voices (terse, non-native, slang, long and polite): its first run is in the
    # README; only its wrong answers were looked at, so its exact rates are close to a first run's.
    "blind6": {
        "template": 98,
        "typo": 95,
        # "open the garage store" (a misheard "door") is heard as meant again since the blind13 round.
        "asr_noise": 92,
        "paraphrase": 75,
        "multi_command": 89,
        "followup": 88,
        "safety": 95,
    },
    # British and Australian English, parents with children in the room, older people, power users,
    # self-corrections and longer conversations. First run in the README; this round worked on its
    # misses by class (self-corrections, sentences to someone else, doubts said as statements).
    "blind7": {
        "template": 98,
        "typo": 95,
        "asr_noise": 94,
        "paraphrase": 92,
        "multi_command": 82,
        "followup": 91,
        "safety": 96,
    },
    # Teenagers, people busy cooking, rambling requests, far-field speech, questions about several
    # devices, follow-ups that change one part. Its misses were worked on by class in the blind9 round.
    "blind8": {
        "template": 98,
        "typo": 95,
        "asr_noise": 92,
        "paraphrase": 86,
        "multi_command": 85,
        "followup": 85,
        "safety": 96,
    },
    # Second-language speakers, long-time users of other assistants, guests describing devices, sleepy
    # one-word requests, reasons given with requests, American idioms. Run once after the blind8 round
    # (README); its wrong answers, then its misses by class (descriptions of places, comparatives with
    # "more", corrections of the last turn) were worked on in the blind10 round.
    "blind9": {
        "template": 98,
        "typo": 97,
        "asr_noise": 86,
        "paraphrase": 81,
        "multi_command": 79,
        "followup": 91,
        "safety": 97,
    },
    # People talking half to someone else, dictation and note style, disfluent restarts, everyday amounts,
    # irritated and night-time speakers, three- and four-part requests. Run once after the blind9 round
    # (README); only its wrong answers were worked on since.
    "blind10": {
        "template": 98,
        "typo": 96,
        "asr_noise": 89,
        "paraphrase": 78,
        "multi_command": 75,
        "followup": 83,
        "safety": 92,
    },
    # Scottish, Irish, Indian and South African English, everything asked as a question, hobbyists with
    # entity ids, reasons first, devices named by what they do. Run once after the blind10 round (README);
    # its wrong answers, then its misses by class ("on"/"off" as the verb, Scots spellings, question tags,
    # values said with other words) were worked on in the blind11 round.
    "blind11": {
        "template": 98,
        "typo": 90,
        "asr_noise": 86,
        "paraphrase": 84,
        "multi_command": 89,
        "followup": 82,
        "safety": 97,
    },
    # Cooks with their hands full, parents mid-argument, people half on the phone, elderly speakers who
    # over-explain, two-word commands, US South and New York, brand words, visitors, wishes. Run once
    # after the blind11 round (README); its wrong answers, then its misses by class (makers' names,
    # afterthoughts, a room shared between parts, values after a step, disclaimers beside a question)
    # were worked on in the blind13 round.
    "blind12": {
        "template": 95,
        "typo": 96,
        "asr_noise": 96,
        "paraphrase": 85,
        "multi_command": 92,
        "followup": 95,
        "safety": 97,
    },
    # Teenagers texting, learners of English (German, Spanish, Mandarin, Hindi), Australians, stutters and
    # repairs, carers speaking for someone, power users, dictation, devices told by their job. Run once
    # after the blind12 round with no wrong answer (README); its misses were worked on by class in the
    # blind13 round.
    "blind13": {
        "template": 98,
        "typo": 96,
        "asr_noise": 90,
        "paraphrase": 88,
        "multi_command": 92,
        "followup": 94,
        "safety": 96,
    },
    # A commuter, a musician, South African, Southern US and Singaporean English, a video call,
    # self-corrections, digits with units. Run once after the blind15 round (README); its wrong answers and
    # misses were worked on by class in the blind16 round.
    "blind16": {
        "template": 98,
        "typo": 96,
        "asr_noise": 95,
        "paraphrase": 90,
        "multi_command": 94,
        "followup": 95,
        "safety": 96,
    },
}


@pytest.fixture(scope="module")
def config() -> HearthConfig:
    return load_config(ROOT / "config")


async def run_suite(config: HearthConfig, folder: Path, cache: Path) -> Report:
    layer, _ = load_classifier(config, cache)
    registry = Registry(config.devices)
    pipeline = Pipeline(
        config, registry, DryRunDevices(registry), understander=build_understander(config, layer)
    )
    return await evaluate(config, pipeline, load_suite(folder))


@pytest.mark.parametrize("suite", sorted(SUITES))
async def test_no_category_does_the_wrong_thing(config: HearthConfig, model_cache: Path, suite: str) -> None:
    report = await run_suite(config, SUITES[suite], model_cache)
    table = report.by_category()
    assert set(table) == set(FLOORS[suite]), "every category of the suite has a floor"
    wrong = {c: round(r["wrong"], 1) for c, r in table.items() if r["wrong"] > 1.0}
    misses = [f"{o.case.text!r} -> {o.got}" for o in report.outcomes if o.verdict == "wrong"]
    assert not wrong, f"wrong actions above 1 %: {wrong}: {misses}"
    low = {c: round(r["exact"], 1) for c, r in table.items() if r["exact"] < FLOORS[suite][c]}
    assert not low, f"exact rate under its floor: {low}"
