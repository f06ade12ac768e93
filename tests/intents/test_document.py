"""Validation of intent documents, merging custom documents and fingerprints."""

from __future__ import annotations

from typing import Any

import pytest

from intents.document import RangeList, ValueList
from intents.model import DataPath, IntentDataError
from intents.recognizer import (
    IntentData,
    TemplateRecognizer,
    load_builtin,
    merge,
    parse_intent_document,
)

from .conftest import AREAS, ENTITIES


def problems_of(data: object) -> list[tuple[DataPath, str]]:
    with pytest.raises(IntentDataError) as caught:
        parse_intent_document(data)
    return [(p.path, p.message) for p in caught.value.problems]


def merge_problems(*raw: dict[str, Any]) -> list[tuple[DataPath, str]]:
    docs = [load_builtin("en"), *(parse_intent_document(r, f"custom{i}.yaml") for i, r in enumerate(raw))]
    with pytest.raises(IntentDataError) as caught:
        merge(*docs)
    return [(p.path, p.message) for p in caught.value.problems]


def test_builtin_document_is_valid() -> None:
    doc = load_builtin("en")
    assert doc.language == "en"
    assert {"turn_on", "turn_off", "set_brightness", "get_state", "nevermind"} <= set(doc.intents)
    assert isinstance(doc.lists["brightness"], RangeList)
    assert isinstance(doc.lists["color"], ValueList)
    assert "_errors" in doc.responses


def test_unknown_language() -> None:
    with pytest.raises(ValueError, match="no built-in intents for language 'xx'"):
        load_builtin("xx")
    with pytest.raises(ValueError):
        load_builtin("../en")


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        ([], (), "must be a mapping"),
        ({"intents": {}, "colour": 1}, ("colour",), "unknown key 'colour'"),
        ({"language": 5}, ("language",), "language code"),
        ({"intents": []}, ("intents",), "must be a mapping"),
        ({"intents": {"TurnOn": {"sentences": ["x"]}}}, ("intents", "TurnOn"), "lower_snake_case"),
        ({"intents": {"x": {"sentence": ["x"]}}}, ("intents", "x", "sentence"), "unknown key 'sentence'"),
        ({"intents": {"x": {}}}, ("intents", "x"), "needs 'sentences'"),
        (
            {"intents": {"x": {"sentences": "hi", "response": 3}}},
            ("intents", "x", "response"),
            "must be a string",
        ),
        ({"intents": {"x": {"sentences": ["hi", 7]}}}, ("intents", "x", "sentences", 1), "must be a string"),
        (
            {"intents": {"turn_on": {"sentences": ["turn on", "turn (on"]}}},
            ("intents", "turn_on", "sentences", 1),
            "unclosed '(' at column 6",
        ),
        (
            {"intents": {"x": {"data": [{"sentences": ["a"], "slot": {}}]}}},
            ("intents", "x", "data", 0, "slot"),
            "unknown key 'slot'",
        ),
        (
            {"intents": {"x": {"data": [{"slots": {}}]}}},
            ("intents", "x", "data", 0),
            "'sentences' is required",
        ),
        (
            {"intents": {"x": {"data": {"sentences": ["a"]}}}},
            ("intents", "x", "data"),
            "list of sentence groups",
        ),
        ({"lists": {"name": {"values": ["a"]}}}, ("lists", "name"), "filled from the home"),
        ({"lists": {"x": {"values": []}}}, ("lists", "x", "values"), "non-empty list"),
        ({"lists": {"x": {}}}, ("lists", "x"), "exactly one of 'values' or 'range'"),
        ({"lists": {"x": {"values": [{"out": 1}]}}}, ("lists", "x", "values", 0, "in"), "required"),
        ({"lists": {"x": {"values": [3]}}}, ("lists", "x", "values", 0), "string or a mapping"),
        ({"lists": {"x": {"values": ["?!"]}}}, ("lists", "x", "values", 0), "has no words"),
        ({"lists": {"x": {"range": {"from": 0}}}}, ("lists", "x", "range", "to"), "must be a number"),
        ({"lists": {"x": {"range": {"from": 5, "to": 1}}}}, ("lists", "x", "range", "to"), "not be smaller"),
        (
            {"lists": {"x": {"range": {"from": 0, "to": 1, "step": 0}}}},
            ("lists", "x", "range", "step"),
            "zero",
        ),
        ({"lists": {"x": {"range": {"from": True, "to": 1}}}}, ("lists", "x", "range", "from"), "number"),
        ({"expansion_rules": {"r": 1}}, ("expansion_rules", "r"), "template string"),
        ({"expansion_rules": {"r": "a]"}}, ("expansion_rules", "r"), "unbalanced ']'"),
        ({"responses": {"x": {"success": 1}}}, ("responses", "x", "success"), "must be a string"),
        ({"responses": {"x": "hello"}}, ("responses", "x"), "must be a mapping"),
    ],
)
def test_invalid_documents(data: object, path: DataPath, message: str) -> None:
    found = problems_of(data)
    assert any(p == path and message in m for p, m in found), found


def test_every_problem_is_reported() -> None:
    found = problems_of(
        {
            "intents": {"a": {"sentences": ["(x"]}, "b": {"sentences": ["y]"]}},
            "lists": {"bad": {"values": [1]}},
        }
    )
    assert [p for p, _ in found] == [
        ("lists", "bad", "values", 0),
        ("intents", "a", "sentences", 0),
        ("intents", "b", "sentences", 0),
    ]


def test_unknown_list_and_rule_are_found_when_merging() -> None:
    found = merge_problems(
        {"intents": {"turn_on": {"sentences": ["start {gadget}", "start <thing>"]}}},
    )
    assert found == [
        (("intents", "turn_on", "sentences", 0), "custom0.yaml: unknown list {gadget} in 'start {gadget}'"),
        (("intents", "turn_on", "sentences", 1), "custom0.yaml: unknown rule <thing> in 'start <thing>'"),
    ]


def test_lists_of_another_document_are_known() -> None:
    merged = merge(
        load_builtin("en"),
        parse_intent_document({"lists": {"gadget": {"values": ["widget"]}}}),
        parse_intent_document(
            {"intents": {"poke": {"sentences": ["poke the {gadget}"], "response": "Poked"}}}
        ),
    )
    assert "gadget" in merged.lists


def test_recursive_rules_and_empty_sentences() -> None:
    found = merge_problems(
        {"expansion_rules": {"loop": "a <loop>"}, "intents": {"x": {"sentences": ["<loop>"]}}}
    )
    assert (("expansion_rules", "loop"), "custom0.yaml: rule <loop> refers to itself") in found
    found = merge_problems({"intents": {"x": {"sentences": ["[the]", "<the>"]}}})
    assert [p for p, _ in found] == [("intents", "x", "sentences", 0), ("intents", "x", "sentences", 1)]
    assert "can match an empty utterance" in found[0][1]


def test_responses_for_unknown_intents_and_conflicting_languages() -> None:
    found = merge_problems({"language": "de", "responses": {"dance": {"success": "Dancing"}}})
    assert (("language",), "custom0.yaml: is 'de', other documents are 'en'") in found
    assert (("responses", "dance"), "custom0.yaml: responses for unknown intent 'dance'") in found


def custom_data() -> IntentData:
    custom = parse_intent_document(
        {
            "language": "en",
            "lists": {"mood": {"values": [{"in": "cosy", "out": "cozy"}, "bright"]}},
            "expansion_rules": {"lights": "(light|lights)"},
            "intents": {
                "turn_on": {"sentences": ["let there be {domain} in the {area}"]},
                "good_morning": {
                    "sentences": ["good morning", "morning hearth"],
                    "response": "Good morning!",
                },
                "set_mood": {"sentences": ["make it {mood} [in here]"]},
            },
            "responses": {
                "set_mood": {"success": "Feeling {mood}"},
                "turn_on": {"success": "Switched on {targets}"},
            },
        },
        "home.yaml",
    )
    return merge(load_builtin("en"), custom)


def test_custom_document_merge() -> None:
    data = custom_data()
    recognizer = TemplateRecognizer(data, ENTITIES, AREAS)
    match = recognizer.recognize("let there be light in the kitchen")
    assert match is not None
    assert match.intent == "turn_on"
    assert {k: v.value for k, v in match.slots.items()} == {"domain": "light", "area": "kitchen"}
    # built-in sentences of the same intent still work
    assert recognizer.recognize("turn on the kitchen light") is not None
    good = recognizer.recognize("Good morning!")
    assert good is not None and good.intent == "good_morning" and dict(good.slots) == {}
    mood = recognizer.recognize("make it cosy in here")
    assert mood is not None and mood.intent == "set_mood" and mood.slots["mood"].value == "cozy"
    assert data.responses["good_morning"]["success"] == "Good morning!"
    assert data.responses["turn_on"]["success"] == "Switched on {targets}"
    assert data.responses["turn_off"]["success"] == "Turned off {targets}"
    assert data.intents["good_morning"].response == "Good morning!"


def test_later_documents_replace_lists() -> None:
    custom = parse_intent_document({"lists": {"speed": {"values": [{"in": "turbo", "out": "high"}]}}})
    recognizer = TemplateRecognizer(merge(load_builtin("en"), custom), ENTITIES, AREAS)
    turbo = recognizer.recognize("set the bedroom fan to turbo")
    assert turbo is not None and turbo.slots["speed"].value == "high"
    assert recognizer.recognize("set the bedroom fan to medium") is None


def test_custom_sentence_wins_a_tie_with_a_builtin_one() -> None:
    custom = parse_intent_document(
        {"intents": {"panic": {"sentences": ["turn off all the lights"], "response": "!"}}}
    )
    recognizer = TemplateRecognizer(merge(load_builtin("en"), custom), ENTITIES, AREAS)
    match = recognizer.recognize("turn off all the lights")
    assert match is not None and match.intent == "panic"


def test_merge_of_nothing() -> None:
    data = merge()
    assert data.language == "en"
    assert TemplateRecognizer(data, ENTITIES, AREAS).recognize("turn on the kitchen light") is None


def test_fingerprint() -> None:
    builtin = load_builtin("en")
    first = merge(builtin).fingerprint()
    assert first == merge(builtin).fingerprint()
    assert len(first) == 64
    assert custom_data().fingerprint() == custom_data().fingerprint()
    assert custom_data().fingerprint() != first
    other = parse_intent_document({"intents": {"hi": {"sentences": ["hi"], "response": "Hello"}}})
    changed = parse_intent_document({"intents": {"hi": {"sentences": ["hi"], "response": "Hey"}}})
    assert merge(builtin, other).fingerprint() != merge(builtin, changed).fingerprint()
    assert merge(builtin, other).fingerprint() != merge(other, builtin).fingerprint()


def test_range_lists() -> None:
    whole = RangeList(0, 100)
    assert whole.accept(50) == 50
    assert whole.accept(50.0) == 50 and isinstance(whole.accept(50.0), int)
    assert whole.accept(50.5) is None
    assert whole.accept(101) is None
    tenths = RangeList(0, 40, 0.1)
    assert tenths.accept(21.3) == 21.3
    assert tenths.accept(21.35) is None
    assert list(RangeList(0, 2, 0.5).numbers()) == [0, 0.5, 1.0, 1.5, 2.0]
    assert list(RangeList(1, 3).numbers()) == [1, 2, 3]


def test_intent_names() -> None:
    names = custom_data().intent_names()
    assert names[0] == "turn_on"
    assert {"good_morning", "set_mood", "nevermind"} <= set(names)
