"""The words a home's templates and lists can say: the speller's dictionary, the linker's command words."""

from __future__ import annotations

from collections.abc import Iterator

from .document import IntentData, ValueList
from .templates import Alt, Node, Seq, Word


def _words(node: Node) -> Iterator[str]:
    if isinstance(node, Word):
        yield node.text
    elif isinstance(node, Seq):
        for item in node.items:
            yield from _words(item)
    elif isinstance(node, Alt):
        for option in node.options:
            yield from _words(option)


def template_words(data: IntentData) -> set[str]:
    """Every literal word of every sentence, rule and list value (not device or area names)."""
    words: set[str] = set()
    for intent in data.intents.values():
        for group in intent.groups:
            for sentence in group.sentences:
                words.update(_words(sentence.template.root))
    for rule in data.expansion_rules.values():
        words.update(_words(rule.root))
    for spec in data.lists.values():
        if isinstance(spec, ValueList):
            for value in spec.values:
                words.update(value.tokens)
    return {w for word in words for w in word.split()}
