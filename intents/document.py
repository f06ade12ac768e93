"""Intent documents (built-in and custom YAML, as parsed dicts): validation, merging, fingerprints."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any, TypeGuard

import yaml

from .model import DataPath, IntentDataError, Problem
from .normalize import tokenize
from .numbers import Number
from .templates import RuleRef, SlotRef, Template, can_be_empty, parse_template, references

# Lists filled at runtime from the home's devices and areas, never from YAML.
RUNTIME_LISTS = frozenset({"name", "area"})
ERRORS_KEY = "_errors"  # responses shared by every intent: no-match, no-device, ambiguous, ...
# Bumped whenever compiled grammars change meaning, so fingerprint-keyed caches are invalidated.
FORMAT_VERSION = "hearth-intents-1"

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
_DOC_KEYS = frozenset({"language", "lists", "expansion_rules", "intents", "responses"})
_INTENT_KEYS = frozenset({"sentences", "data", "response", "speech"})
_GROUP_KEYS = frozenset({"sentences", "slots", "requires_domain"})


@dataclass(frozen=True, slots=True)
class ListValue:
    """One value of a list: the words that say it and the value the slot gets."""

    tokens: tuple[str, ...]
    text: str
    out: Any


@dataclass(frozen=True, slots=True)
class ValueList:
    """A list of phrases, e.g. colours or domains."""

    values: tuple[ListValue, ...]


@dataclass(frozen=True, slots=True)
class RangeList:
    """A number range; `step` 1 means whole numbers only, 0.5 allows halves, and so on."""

    start: Number
    stop: Number
    step: Number = 1

    def accept(self, value: Number) -> Number | None:
        """The value as the slot should carry it, or None when outside the range or off the step."""
        if not self.start <= value <= self.stop:
            return None
        steps = (value - self.start) / self.step
        if abs(steps - round(steps)) > 1e-6:
            return None
        if isinstance(value, float) and value.is_integer() and float(self.step).is_integer():
            return int(value)
        return value

    def numbers(self) -> Iterator[Number]:
        """Every value of the range (for speech grammars)."""
        count = round((self.stop - self.start) / self.step)
        integral = all(float(x).is_integer() for x in (self.start, self.step))
        for i in range(count + 1):
            value = self.start + i * self.step
            yield int(value) if integral else round(value, 6)


SlotList = ValueList | RangeList


@dataclass(frozen=True, slots=True)
class Sentence:
    """A parsed sentence template and where it came from."""

    template: Template
    path: DataPath
    document: int = 0  # index of the document in a merge; later documents win ties


@dataclass(frozen=True, slots=True)
class SentenceGroup:
    """Sentences sharing fixed slot values and an optional restriction to device types."""

    sentences: tuple[Sentence, ...]
    slots: Mapping[str, Any] = field(default_factory=dict)
    requires_domain: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class IntentDef:
    """An intent's sentence groups, and for custom intents the reply it gives.

    `speech` holds the sentences a constrained speech recognizer listens for: a short list of the ways
    people say the intent aloud, since every extra phrasing in its grammar is one more way to mishear a
    command. Empty means the intent's own sentences; after a merge, each document's contribution is
    its `speech` if it has one, else its sentences.
    """

    groups: tuple[SentenceGroup, ...]
    response: str | None = None
    speech: tuple[SentenceGroup, ...] = ()


@dataclass(frozen=True, slots=True)
class IntentDocument:
    """One validated document; `canonical` is its content as canonical JSON (for fingerprints)."""

    language: str | None
    lists: Mapping[str, SlotList]
    expansion_rules: Mapping[str, Template]
    intents: Mapping[str, IntentDef]
    responses: Mapping[str, Mapping[str, str]]
    source: str = ""
    canonical: str = ""


@dataclass(frozen=True, slots=True)
class IntentData:
    """Documents merged in order: later lists, rules and responses replace earlier ones; sentences add up."""

    language: str
    lists: Mapping[str, SlotList]
    expansion_rules: Mapping[str, Template]
    intents: Mapping[str, IntentDef]
    responses: Mapping[str, Mapping[str, str]]
    documents: tuple[IntentDocument, ...] = ()

    def intent_names(self) -> tuple[str, ...]:
        """Every intent that can be recognised, built-in and custom, in definition order."""
        return tuple(self.intents)

    def fingerprint(self) -> str:
        """A stable hash of the merged content, for caches of compiled grammars and models."""
        # Documents built in code rather than parsed have no canonical text; their repr stands in.
        return _fingerprint(FORMAT_VERSION, tuple(d.canonical or repr(d) for d in self.documents))


@lru_cache(maxsize=64)
def _fingerprint(version: str, canonicals: tuple[str, ...]) -> str:
    digest = hashlib.sha256(version.encode())
    for canonical in canonicals:
        digest.update(b"\0" + canonical.encode())
    return digest.hexdigest()


class _Checker:
    """Collects every problem of a document instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: DataPath, message: str) -> None:
        self.problems.append(Problem(path, message))

    def mapping(self, value: object, path: DataPath, allowed: frozenset[str] | None = None) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.add(path, f"must be a mapping, not {type(value).__name__}")
            return {}
        result: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                self.add(path, f"keys must be strings, not {key!r}")
            elif allowed is not None and key not in allowed:
                self.add((*path, key), f"unknown key {key!r} (expected one of {', '.join(sorted(allowed))})")
            else:
                result[key] = item
        return result

    def strings(self, value: object, path: DataPath) -> list[tuple[DataPath, str]]:
        if isinstance(value, str):
            return [(path, value)]
        if not isinstance(value, list):
            self.add(path, f"must be a list of strings, not {type(value).__name__}")
            return []
        found = []
        for i, item in enumerate(value):
            if isinstance(item, str):
                found.append(((*path, i), item))
            else:
                self.add((*path, i), f"must be a string, not {type(item).__name__}")
        return found

    def identifier(self, name: str, path: DataPath, what: str) -> bool:
        if _IDENTIFIER.fullmatch(name):
            return True
        self.add(path, f"{what} {name!r} must be lower_snake_case")
        return False

    def template(self, text: str, path: DataPath) -> Template | None:
        try:
            return parse_template(text, path)
        except IntentDataError as err:
            self.problems.extend(err.problems)
            return None


def _number(value: object) -> TypeGuard[Number]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _parse_range(c: _Checker, spec: object, path: DataPath) -> RangeList | None:
    body = c.mapping(spec, path, frozenset({"from", "to", "step"}))
    numbers: dict[str, Number] = {}
    for key, default in (("from", None), ("to", None), ("step", 1)):
        value = body.get(key, default)
        if not _number(value):
            c.add((*path, key), f"must be a number, not {value!r}")
            return None
        numbers[key] = value
    start, stop, step = numbers["from"], numbers["to"], numbers["step"]
    if step <= 0:
        c.add((*path, "step"), "must be greater than zero")
    elif stop < start:
        c.add((*path, "to"), "must not be smaller than 'from'")
    else:
        return RangeList(start, stop, step)
    return None


def _parse_value(c: _Checker, item: object, path: DataPath) -> ListValue | None:
    out: Any
    if isinstance(item, str):
        text, out = item, item
    elif isinstance(item, dict):
        body = c.mapping(item, path, frozenset({"in", "out"}))
        said = body.get("in")
        if not isinstance(said, str):
            c.add((*path, "in"), "required: the words that say this value")
            return None
        text, out = said, body.get("out", said)
    else:
        c.add(path, f"must be a string or a mapping with 'in' and 'out', not {type(item).__name__}")
        return None
    tokens = tuple(tokenize(text, strip_phrases=False))
    if not tokens:
        c.add(path, f"{text!r} has no words")
        return None
    return ListValue(tokens, text, out)


def _parse_list(c: _Checker, spec: object, path: DataPath) -> SlotList | None:
    body = c.mapping(spec, path, frozenset({"values", "range"}))
    if ("values" in body) == ("range" in body):
        c.add(path, "needs exactly one of 'values' or 'range'")
        return None
    if "range" in body:
        return _parse_range(c, body["range"], (*path, "range"))
    raw = body["values"]
    if not isinstance(raw, list) or not raw:
        c.add((*path, "values"), "must be a non-empty list")
        return None
    values = [_parse_value(c, item, (*path, "values", i)) for i, item in enumerate(raw)]
    return ValueList(tuple(v for v in values if v is not None))


def _parse_lists(c: _Checker, raw: object) -> dict[str, SlotList]:
    lists: dict[str, SlotList] = {}
    for name, spec in c.mapping(raw, ("lists",)).items():
        path: DataPath = ("lists", name)
        if not c.identifier(name, path, "list name"):
            continue
        if name in RUNTIME_LISTS:
            c.add(path, f"{{{name}}} is filled from the home's devices and areas and cannot be defined")
            continue
        parsed = _parse_list(c, spec, path)
        if parsed is not None:
            lists[name] = parsed
    return lists


def _parse_rules(c: _Checker, raw: object) -> dict[str, Template]:
    rules: dict[str, Template] = {}
    for name, text in c.mapping(raw, ("expansion_rules",)).items():
        path: DataPath = ("expansion_rules", name)
        if not c.identifier(name, path, "rule name"):
            continue
        if not isinstance(text, str):
            c.add(path, f"must be a template string, not {type(text).__name__}")
            continue
        template = c.template(text, path)
        if template is not None:
            rules[name] = template
    return rules


def _parse_group(c: _Checker, raw: object, path: DataPath, keyed: bool) -> SentenceGroup:
    """One sentence group: the intent's own `sentences` (keyed=False) or an item of its `data`."""
    body = c.mapping(raw, path, _GROUP_KEYS) if keyed else {"sentences": raw}
    sentence_path = (*path, "sentences") if keyed else path
    if "sentences" not in body:
        c.add(path, "'sentences' is required")
    sentences = []
    for where, text in c.strings(body.get("sentences", []), sentence_path):
        template = c.template(text, where)
        if template is not None:
            sentences.append(Sentence(template, where))
    slots = c.mapping(body.get("slots"), (*path, "slots"))
    for name in slots:
        c.identifier(name, (*path, "slots", name), "slot name")
    domains = c.strings(body.get("requires_domain", []), (*path, "requires_domain"))
    return SentenceGroup(tuple(sentences), MappingProxyType(slots), frozenset(d for _, d in domains))


def _parse_intent(c: _Checker, raw: object, path: DataPath) -> IntentDef:
    body = c.mapping(raw, path, _INTENT_KEYS)
    groups = []
    if "sentences" in body:
        groups.append(_parse_group(c, body["sentences"], (*path, "sentences"), keyed=False))
    data = body.get("data", [])
    if not isinstance(data, list):
        c.add((*path, "data"), "must be a list of sentence groups")
        data = []
    groups += [_parse_group(c, item, (*path, "data", i), keyed=True) for i, item in enumerate(data)]
    response = body.get("response")
    if response is not None and not isinstance(response, str):
        c.add((*path, "response"), "must be a string")
        response = None
    if not groups and response is None and isinstance(raw, dict):
        c.add(path, "needs 'sentences' (or 'data') to be recognised")
    speech: tuple[SentenceGroup, ...] = ()
    if "speech" in body:
        speech = (_parse_group(c, body["speech"], (*path, "speech"), keyed=False),)
    return IntentDef(tuple(groups), response, speech)


def _parse_intents(c: _Checker, raw: object) -> dict[str, IntentDef]:
    intents: dict[str, IntentDef] = {}
    for name, spec in c.mapping(raw, ("intents",)).items():
        if c.identifier(name, ("intents", name), "intent name"):
            intents[name] = _parse_intent(c, spec, ("intents", name))
    return intents


def _parse_responses(c: _Checker, raw: object) -> dict[str, Mapping[str, str]]:
    responses: dict[str, Mapping[str, str]] = {}
    for intent, outcomes in c.mapping(raw, ("responses",)).items():
        texts: dict[str, str] = {}
        for outcome, text in c.mapping(outcomes, ("responses", intent)).items():
            if isinstance(text, str):
                texts[outcome] = text
            else:
                c.add(("responses", intent, outcome), f"must be a string, not {type(text).__name__}")
        responses[intent] = MappingProxyType(texts)
    return responses


def parse_intent_document(data: object, source: str = "") -> IntentDocument:
    """Validate one YAML document (as parsed); raise IntentDataError listing every problem by its path."""
    c = _Checker()
    if not isinstance(data, dict):
        raise IntentDataError(
            [Problem((), f"an intents document must be a mapping, not {type(data).__name__}")]
        )
    root = c.mapping(data, (), _DOC_KEYS)
    language = root.get("language")
    if language is not None and not isinstance(language, str):
        c.add(("language",), "must be a language code such as 'en'")
        language = None
    document = IntentDocument(
        language=language,
        lists=MappingProxyType(_parse_lists(c, root.get("lists"))),
        expansion_rules=MappingProxyType(_parse_rules(c, root.get("expansion_rules"))),
        intents=MappingProxyType(_parse_intents(c, root.get("intents"))),
        responses=MappingProxyType(_parse_responses(c, root.get("responses"))),
        source=source,
        canonical=json.dumps(data, sort_keys=True, ensure_ascii=False, default=repr),
    )
    if c.problems:
        raise IntentDataError(c.problems)
    return document


@lru_cache(maxsize=8)
def load_builtin(language: str = "en") -> IntentDocument:
    """The built-in intents of a language, shipped as `intents/data/<language>.yaml`."""
    if not _IDENTIFIER.fullmatch(language):
        raise ValueError(f"no built-in intents for language {language!r}")
    resource = resources.files("intents").joinpath("data", f"{language}.yaml")
    if not resource.is_file():
        raise ValueError(f"no built-in intents for language {language!r}")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 10x faster
    data = yaml.load(resource.read_text(encoding="utf-8"), Loader=loader)  # a safe loader, C or Python
    return parse_intent_document(data, f"builtin:{language}")


def _merge_intent(into: IntentDef | None, new: IntentDef, index: int) -> IntentDef:
    groups = tuple(
        replace(g, sentences=tuple(replace(s, document=index) for s in g.sentences)) for g in new.groups
    )
    speech = new.speech or groups  # a document without speech sentences is listened for as written
    if into is None:
        return IntentDef(groups, new.response, speech)
    response = new.response if new.response is not None else into.response
    return IntentDef(into.groups + groups, response, into.speech + speech)


def merge(*docs: IntentDocument) -> IntentData:
    """Merge documents in order and check every reference; raise IntentDataError on problems.

    Paths in problems are relative to the document they are in; the message names the document's
    `source` when it has one.
    """
    language = ""
    lists: dict[str, SlotList] = {}
    rules: dict[str, Template] = {}
    intents: dict[str, IntentDef] = {}
    responses: dict[str, dict[str, str]] = {}
    problems: list[Problem] = []
    for index, doc in enumerate(docs):
        if doc.language and language and doc.language != language:
            problems.append(
                _problem(doc, ("language",), f"is {doc.language!r}, other documents are {language!r}")
            )
        language = language or doc.language or ""
        lists.update(doc.lists)
        rules.update(doc.expansion_rules)
        for name, intent in doc.intents.items():
            intents[name] = _merge_intent(intents.get(name), intent, index)
        for intent_name, outcomes in doc.responses.items():
            responses.setdefault(intent_name, {}).update(outcomes)
    for name, intent in intents.items():
        if intent.response is not None:
            responses.setdefault(name, {})["success"] = intent.response
    cycles = _cycle_problems(docs, rules)
    for doc in docs:
        # Emptiness checks follow rules, so they only run once rules are known to terminate.
        problems += _reference_problems(doc, lists, rules, intents, check_empty=not cycles)
    problems += cycles
    if problems:
        raise IntentDataError(problems)
    return IntentData(
        language=language or "en",
        lists=MappingProxyType(lists),
        expansion_rules=MappingProxyType(rules),
        intents=MappingProxyType(intents),
        responses=MappingProxyType({k: MappingProxyType(v) for k, v in responses.items()}),
        documents=docs,
    )


def _problem(doc: IntentDocument, path: DataPath, message: str) -> Problem:
    return Problem(path, f"{doc.source}: {message}" if doc.source else message)


def _templates(doc: IntentDocument) -> Iterator[tuple[DataPath, Template]]:
    for name, rule in doc.expansion_rules.items():
        yield ("expansion_rules", name), rule
    for intent in doc.intents.values():
        for group in (*intent.groups, *intent.speech):
            for sentence in group.sentences:
                yield sentence.path, sentence.template


def _reference_problems(
    doc: IntentDocument,
    lists: Mapping[str, SlotList],
    rules: Mapping[str, Template],
    intents: Mapping[str, Any],
    check_empty: bool,
) -> list[Problem]:
    problems = []
    for path, template in _templates(doc):
        for ref in references(template.root):
            if isinstance(ref, SlotRef) and ref.list_name not in lists and ref.list_name not in RUNTIME_LISTS:
                problems.append(_problem(doc, path, f"unknown list {{{ref.list_name}}} in {template.text!r}"))
            elif isinstance(ref, RuleRef) and ref.name not in rules:
                problems.append(_problem(doc, path, f"unknown rule <{ref.name}> in {template.text!r}"))
        if check_empty and path[0] == "intents" and can_be_empty(template.root, rules):
            problems.append(_problem(doc, path, f"{template.text!r} can match an empty utterance"))
    for intent in doc.responses:
        if intent != ERRORS_KEY and intent not in intents:
            problems.append(_problem(doc, ("responses", intent), f"responses for unknown intent {intent!r}"))
    return problems


def _cycle_problems(docs: tuple[IntentDocument, ...], rules: Mapping[str, Template]) -> list[Problem]:
    """Rules that (indirectly) refer to themselves, reported where the winning definition lives."""
    owner = {name: doc for doc in docs for name in doc.expansion_rules}
    problems = []
    for name in rules:
        stack, seen = [name], set()
        while stack:
            current = stack.pop()
            template = rules.get(current)
            if template is None:
                continue
            for ref in references(template.root):
                if isinstance(ref, RuleRef):
                    if ref.name == name:
                        message = f"rule <{name}> refers to itself"
                        problems.append(_problem(owner[name], ("expansion_rules", name), message))
                        stack = []
                        break
                    if ref.name not in seen:
                        seen.add(ref.name)
                        stack.append(ref.name)
    return problems
