"""Reply rendering, natural lists of names and response lookup."""

from __future__ import annotations

from typing import Any

import pytest

from intents.recognizer import IntentData, merge, parse_intent_document
from intents.responses import join_names, render, response_template


@pytest.mark.parametrize(
    ("names", "conjunction", "expected"),
    [
        ([], "and", "nothing"),
        (["kitchen light"], "and", "the kitchen light"),
        (["kitchen light", "hall light"], "and", "the kitchen light and the hall light"),
        (["a", "b", "c"], "and", "the a, the b and the c"),
        (["kitchen light", "the lamp"], "or", "the kitchen light or the lamp"),
        (["My Lamp", " "], "and", "My Lamp"),
    ],
)
def test_join_names(names: list[str], conjunction: str, expected: str) -> None:
    assert join_names(names, conjunction) == expected


def test_join_names_without_article() -> None:
    assert join_names(["Alice", "Bob"], article="") == "Alice and Bob"


@pytest.mark.parametrize(
    ("template", "values", "expected"),
    [
        ("Turned on {targets}", {"targets": "the kitchen light"}, "Turned on the kitchen light"),
        ("{target} can't do that", {"target": "the lock"}, "The lock can't do that"),
        (
            "Set {targets} to {brightness} percent",
            {"targets": "the lamp", "brightness": 50.0},
            "Set the lamp to 50 percent",
        ),
        ("It is {value} degrees", {"value": 21.5}, "It is 21.5 degrees"),
        (
            "Set {targets} to {color}",
            {"targets": "the lamp", "color": {"name": "red", "r": 255}},
            "Set the lamp to red",
        ),
        ("Turned on {targets}", {"targets": ["lamp", "fan"]}, "Turned on the lamp and the fan"),
        ("Turned on {targets}", {}, "Turned on unknown"),
        ("Turned on {targets}.", {"targets": None}, "Turned on unknown."),
        ("I couldn't find {what} .", {"what": "x"}, "I couldn't find x."),
        ("Literal {{braces}}", {}, "Literal {braces}"),
        ("{a}{b}", {"a": True, "b": 1}, "Yes1"),
        ("", {}, ""),
    ],
)
def test_render(template: str, values: dict[str, Any], expected: str) -> None:
    assert render(template, values) == expected


def test_render_custom_missing_text() -> None:
    assert render("Hello {who}", {}, missing="there") == "Hello there"


def test_response_lookup(data: IntentData) -> None:
    assert response_template(data, "turn_on", "success") == "Turned on {targets}"
    assert response_template(data, "turn_on", "no-device") == "I couldn't find {what}"
    assert response_template(data, "_errors", "ambiguous") == "Which one did you mean: {candidates}?"
    assert response_template(data, "get_state", "yes") == "Yes, {target} is {state}"
    assert response_template(data, "nope", "no-match") == "Sorry, I didn't understand that"


@pytest.mark.parametrize(
    ("intent", "outcome"),
    [(intent, "success") for intent in ("turn_on", "lock", "set_volume", "get_time", "nevermind")]
    + [
        ("_errors", o)
        for o in (
            "no-match",
            "no-device",
            "ambiguous",
            "need-area",
            "unsupported",
            "not-responding",
            "partial",
        )
    ],
)
def test_builtin_responses_exist(data: IntentData, intent: str, outcome: str) -> None:
    assert outcome in data.responses[intent]


def test_defaults_without_builtin_data() -> None:
    custom = merge(parse_intent_document({"intents": {"hi": {"sentences": ["hi"], "response": "Hello"}}}))
    assert response_template(custom, "hi", "success") == "Hello"
    assert response_template(custom, "turn_on", "success") == "Done"
    assert response_template(custom, "_errors", "need-area") == "Which room?"
    assert response_template(custom, "get_state", "maybe") == "Sorry, I can't answer that"
