"""The template syntax: parsing into an AST, expansion and syntax errors with locations."""

from __future__ import annotations

import pytest

from intents.model import IntentDataError
from intents.templates import (
    EMPTY,
    Alt,
    RuleRef,
    Seq,
    SlotRef,
    Template,
    Word,
    can_be_empty,
    expand,
    parse_template,
    references,
)


def words(*texts: str) -> tuple[Word, ...]:
    return tuple(Word(t) for t in texts)


def test_plain_words_are_normalised() -> None:
    assert parse_template("Turn ON the Light").root == Seq(words("turn", "on", "the", "light"))
    assert parse_template("what's").root == Word("what's")


def test_alternatives_optionals_and_references() -> None:
    root = parse_template("(turn|switch) on [the] {name} <in_area>").root
    assert root == Seq(
        (
            Alt((Word("turn"), Word("switch"))),
            Word("on"),
            Alt((Word("the"), EMPTY)),
            SlotRef("name", "name"),
            RuleRef("in_area"),
        )
    )


def test_slot_with_its_own_name() -> None:
    assert parse_template("{domains:domain}").root == SlotRef("domains", "domain")


def test_empty_alternative_and_top_level_alternatives() -> None:
    assert parse_template("(on|)").root == Alt((Word("on"), EMPTY))
    assert parse_template("good morning|morning").root == Alt(
        (Seq(words("good", "morning")), Word("morning"))
    )


def test_percent_sign_after_a_slot() -> None:
    assert parse_template("{brightness}%").root == Seq((SlotRef("brightness", "brightness"), Word("percent")))


def test_expand() -> None:
    template = parse_template("(turn|switch) on [the] {name}")
    assert sorted(
        " ".join(str(x) if isinstance(x, str) else "{name}" for x in e) for e in expand(template.root, {})
    ) == [
        "switch on the {name}",
        "switch on {name}",
        "turn on the {name}",
        "turn on {name}",
    ]


def test_expand_follows_rules() -> None:
    rules = {"the": Template("[the]", parse_template("[the]").root)}
    assert sorted(expand(parse_template("open <the> door").root, rules)) == [
        ("open", "door"),
        ("open", "the", "door"),
    ]


def test_references_and_emptiness() -> None:
    root = parse_template("[<the>] {name} [in {area:where}]").root
    assert list(references(root)) == [RuleRef("the"), SlotRef("name", "name"), SlotRef("area", "where")]
    rules = {"maybe": parse_template("[x]")}
    assert can_be_empty(parse_template("[a] [b]").root, {})
    assert can_be_empty(parse_template("<maybe>").root, rules)
    assert not can_be_empty(parse_template("[a] b").root, {})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("turn on (the light", "unclosed '(' at column 9"),
        ("turn on [the light", "unclosed '[' at column 9"),
        ("turn on the light)", "unbalanced ')' at column 18"),
        ("turn on [the) light", "unbalanced ')' at column 13"),
        ("turn on the light]", "unbalanced ']' at column 18"),
        ("turn on {name", "unclosed '{' at column 9"),
        ("turn on name}", "unbalanced '}' at column 13"),
        ("turn on <the light", "unclosed '<' at column 9"),
        ("turn on {}", "invalid slot reference {} at column 9"),
        ("turn on {my list}", "invalid slot reference {my list} at column 9"),
        ("turn on {name:}x", "groups and references must be separate words"),
        ("turn on <Bad-Rule>", "invalid rule name 'Bad-Rule' at column 9"),
        ("turn on the light[s]", "groups and references must be separate words"),
        ("   ", "empty template"),
        ("[]", "empty template"),
    ],
)
def test_syntax_errors_name_the_column(text: str, message: str) -> None:
    path = ("intents", "turn_on", "sentences", 2)
    with pytest.raises(IntentDataError) as caught:
        parse_template(text, path)
    [problem] = caught.value.problems
    assert problem.path == path
    assert message in problem.message
