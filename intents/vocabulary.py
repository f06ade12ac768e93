"""The words a home's templates and lists can say: the speller's dictionary, the linker's command words."""

from __future__ import annotations

from .document import IntentData, ValueList
from .templates import Node, Word, leaves


def _words(node: Node) -> list[str]:
    return [leaf.text for leaf in leaves(node) if isinstance(leaf, Word)]


def sentence_words(data: IntentData) -> set[str]:
    """Every literal word of every sentence and rule: the words commands are made of, not list values."""
    words: set[str] = set()
    for intent in data.intents.values():
        for group in intent.groups:
            for sentence in group.sentences:
                words.update(_words(sentence.template.root))
    for rule in data.expansion_rules.values():
        words.update(_words(rule.root))
    return {w for word in words for w in word.split()}


def template_words(data: IntentData) -> set[str]:
    """Every literal word of every sentence, rule and list value (not device or area names)."""
    words = sentence_words(data)
    for spec in data.lists.values():
        if isinstance(spec, ValueList):
            for value in spec.values:
                words.update(value.tokens)
    return {w for word in words for w in word.split()}


def kind_words(data: IntentData) -> dict[str, str]:
    """The singular words that name a kind of device, to its type ("thermostat" → "climate")."""
    spec = data.lists.get("domain")
    if not isinstance(spec, ValueList):
        return {}
    return {value.text.lower(): str(value.out) for value in spec.values}
