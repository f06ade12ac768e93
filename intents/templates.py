"""Sentence template syntax: `(a|b)`, `[optional]`, `{list}` / `{list:slot}`, `<rule>` and plain words."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from .model import DataPath, IntentDataError, Problem
from .normalize import tokenize

_NAME = re.compile(r"[a-z_][a-z0-9_]*")


@dataclass(frozen=True, slots=True)
class Word:
    """One literal, already normalised token."""

    text: str


@dataclass(frozen=True, slots=True)
class SlotRef:
    """`{list}` or `{list:slot}`: consume a value of `list_name` and store it in slot `slot_name`."""

    list_name: str
    slot_name: str


@dataclass(frozen=True, slots=True)
class RuleRef:
    """`<rule>`: the template of an expansion rule, inlined."""

    name: str


@dataclass(frozen=True, slots=True)
class Seq:
    """Items matched one after another."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Alt:
    """Exactly one of the options; an empty `Seq` option makes the group optional."""

    options: tuple[Node, ...]


Node = Word | SlotRef | RuleRef | Seq | Alt
EMPTY = Seq(())


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed template and the text it came from."""

    text: str
    root: Node


class _Parser:
    """Recursive-descent parser over the characters of one template."""

    def __init__(self, text: str, path: DataPath) -> None:
        self.text = text
        self.path = path
        self.pos = 0

    def fail(self, message: str, pos: int | None = None) -> IntentDataError:
        column = (self.pos if pos is None else pos) + 1
        return IntentDataError([Problem(self.path, f"{message} at column {column} of {self.text!r}")])

    def parse(self) -> Node:
        node = self.alternatives(closer=None, opened=0)
        if self.pos < len(self.text):  # pragma: no cover - alternatives() consumes everything or raises
            raise self.fail("unexpected character")
        return node

    def alternatives(self, closer: str | None, opened: int) -> Node:
        """Items up to `closer` (or the end), split into options at top-level `|`."""
        options: list[Node] = []
        items: list[Node] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in ")]":
                if char != closer:
                    raise self.fail(f"unbalanced {char!r}")
                self.pos += 1
                options.append(_seq(items))
                return _alt(options)
            if char == "|":
                self.pos += 1
                options.append(_seq(items))
                items = []
            else:
                items.extend(self.item())
        if closer is not None:
            raise self.fail(f"unclosed {'(' if closer == ')' else '['!r}", opened)
        options.append(_seq(items))
        return _alt(options)

    def item(self) -> list[Node]:
        """One group, reference or run of words starting at the current position."""
        start = self.pos
        char = self.text[start]
        self.pos += 1
        if char == "(":
            return [self.glued(self.alternatives(")", start), start)]
        if char == "[":
            inner = self.alternatives("]", start)
            return [self.glued(_alt([inner, EMPTY]), start)]
        if char in "{<":
            return [self.glued(self.reference(char, start), start)]
        if char in "}>":
            raise self.fail(f"unbalanced {char!r}", start)
        end = start
        while end < len(self.text) and self.text[end] not in "()[]{}<>|":
            end += 1
        self.pos = end
        return [Word(token) for token in tokenize(self.text[start:end], strip_phrases=False)]

    def glued(self, node: Node, start: int) -> Node:
        """Reject groups stuck to a word ("light[s]"): matching is per whole word."""
        before = self.text[start - 1] if start > 0 else " "
        after = self.text[self.pos] if self.pos < len(self.text) else " "
        if before.isalnum() or after.isalnum():
            raise self.fail("groups and references must be separate words (write (light|lights))", start)
        return node

    def reference(self, opener: str, start: int) -> Node:
        """`{list}`, `{list:slot}` or `<rule>`."""
        closer = "}" if opener == "{" else ">"
        end = self.text.find(closer, self.pos)
        if end < 0:
            raise self.fail(f"unclosed {opener!r}", start)
        body = self.text[self.pos : end].strip()
        self.pos = end + 1
        if opener == "<":
            if not _NAME.fullmatch(body):
                raise self.fail(f"invalid rule name {body!r}", start)
            return RuleRef(body)
        list_name, _, slot_name = body.partition(":")
        list_name, slot_name = list_name.strip(), (slot_name.strip() or list_name.strip())
        for name in (list_name, slot_name):
            if not _NAME.fullmatch(name):
                raise self.fail(f"invalid slot reference {{{body}}}", start)
        return SlotRef(list_name, slot_name)


def _seq(items: list[Node]) -> Node:
    return items[0] if len(items) == 1 else Seq(tuple(items))


def _alt(options: list[Node]) -> Node:
    return options[0] if len(options) == 1 else Alt(tuple(options))


def parse_template(text: str, path: DataPath = ()) -> Template:
    """Parse one template; syntax errors raise IntentDataError located at `path` with the column."""
    root = _Parser(text, path).parse()
    if not _has_content(root):
        raise IntentDataError([Problem(path, f"empty template {text!r}")])
    return Template(text, root)


def _has_content(node: Node) -> bool:
    if isinstance(node, Seq):
        return any(_has_content(item) for item in node.items)
    if isinstance(node, Alt):
        return any(_has_content(option) for option in node.options)
    return True


def leaves(node: Node) -> Iterator[Word | SlotRef | RuleRef]:
    """Every word, slot and rule reference in a template, in order (rules are not followed)."""
    if isinstance(node, Word | SlotRef | RuleRef):
        yield node
    elif isinstance(node, Seq):
        for item in node.items:
            yield from leaves(item)
    else:
        for option in node.options:
            yield from leaves(option)


def references(node: Node) -> Iterator[SlotRef | RuleRef]:
    """Every slot and rule reference in a template, in order (rules are not followed)."""
    return (leaf for leaf in leaves(node) if not isinstance(leaf, Word))


def can_be_empty(node: Node, rules: Mapping[str, Template]) -> bool:
    """Whether the template matches the empty utterance (such a sentence would match anything said)."""
    if isinstance(node, Word | SlotRef):
        return False
    if isinstance(node, RuleRef):
        rule = rules.get(node.name)
        return rule is not None and can_be_empty(rule.root, rules)
    if isinstance(node, Seq):
        return all(can_be_empty(item, rules) for item in node.items)
    return any(can_be_empty(option, rules) for option in node.options)


Expansion = tuple[str | SlotRef, ...]


def expand(node: Node, rules: Mapping[str, Template]) -> Iterator[Expansion]:
    """Every word sequence a template stands for, slots left as SlotRef (e.g. to train a classifier)."""
    if isinstance(node, Word):
        yield (node.text,)
    elif isinstance(node, SlotRef):
        yield (node,)
    elif isinstance(node, RuleRef):
        yield from expand(rules[node.name].root, rules)
    elif isinstance(node, Alt):
        for option in node.options:
            yield from expand(option, rules)
    else:
        parts = [list(expand(item, rules)) for item in node.items]
        for combo in itertools.product(*parts):
            yield tuple(itertools.chain.from_iterable(combo))
