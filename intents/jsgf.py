"""Speech grammars: sentence templates and a home's names as one JSGF grammar for a constrained recognizer."""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from .document import IntentData, RangeList, SentenceGroup
from .model import AreaName, EntityName
from .normalize import tokenize
from .numbers import number_to_words
from .recognizer import spoken_variants
from .templates import Node, RuleRef, Seq, SlotRef, Word, parse_template, references

# Bumped whenever the generated text changes meaning, so grammars cached by fingerprint are rebuilt.
FORMAT = "hearth-jsgf-2"  # bumped: a room is said only with the kinds of device it has
GRAMMAR_NAME = "hearth"
PUBLIC_RULE = "command"

# Restrictions apply to these two slots (see SentenceGroup.requires_domain); other rules are shared as is.
_NAME_LIST = "name"
_DOMAIN_SLOT = "domain"

Restriction = frozenset[str]
_NONE: Restriction = frozenset()
_Trie = dict[str, "_Trie"]


@dataclass(frozen=True, slots=True)
class JsgfGrammar:
    """A JSGF grammar, every word it can say, a content hash, and what could not be expressed."""

    text: str
    words: frozenset[str]
    fingerprint: str
    skipped: tuple[str, ...] = ()


SENTENCES_RULE = "sentences"  # the rule of whole sentences said word for word
WAKE_RULE = "wake"  # the wake words that may come before a sentence


def intent_rule(intent: str) -> str:
    """The name of the rule holding an intent's sentences (the public rule is their alternatives)."""
    return f"intent_{intent}"


def spoken(tokens: Iterable[str]) -> tuple[str, ...]:
    """Tokens as they are said: numbers written in digits become number words ("2" -> "two")."""
    out: list[str] = []
    for token in tokens:
        if _is_number(token):
            out.extend(number_to_words(float(token) if "." in token else int(token)).split())
        else:
            out.append(token)
    return tuple(out)


def _is_number(token: str) -> bool:
    whole, _, fraction = token.partition(".")
    return whole.isdigit() and (not fraction or fraction.isdigit()) and whole.isascii()


def _phrases(names: Iterable[str]) -> list[tuple[str, ...]]:
    """The distinct spoken phrases of some names, in order; digits are said as words."""
    found: dict[tuple[str, ...], None] = {}
    for name in names:
        for variant in spoken_variants(name):
            found[spoken(variant)] = None
    return list(found)


def _group(options: Sequence[str], optional: bool) -> str:
    """JSGF for one of `options` (said as is when there is just one), in [ ] when it may be left out."""
    if not options:
        return ""
    if optional:
        return f"[{' | '.join(options)}]"
    return options[0] if len(options) == 1 else f"({' | '.join(options)})"


class _Numbers:
    """Spoken number ranges as a minimal word DAG, rendered as rules shared between ranges."""

    def __init__(self) -> None:
        self.rules: dict[str, str] = {}  # rule name -> body, in creation order
        self.words: set[str] = set()
        self._ids: dict[tuple[bool, tuple[tuple[str, int], ...]], int] = {}
        self._nodes: list[tuple[bool, tuple[tuple[str, int], ...]]] = []
        self._names: dict[int, str] = {}
        self._shared: set[int] = set()

    def body(self, spec: RangeList) -> str:
        """The body of a rule saying every number of the range in words."""
        trie: _Trie = {}
        for value in spec.numbers():
            node = trie
            for word in number_to_words(value).split():
                self.words.add(word)
                node = node.setdefault(word, {})
            node[""] = {}  # marks the end of a number
        root = self._canonical(trie)
        self._mark_shared(root, set(), set())
        return self._render(root)

    def _canonical(self, trie: _Trie) -> int:
        """Bottom-up hashing of the trie: equal sub-tries (same suffixes) become one node."""
        edges = tuple((word, self._canonical(child)) for word, child in trie.items() if word)
        signature = ("" in trie, edges)
        found = self._ids.get(signature)
        if found is None:
            found = self._ids[signature] = len(self._nodes)
            self._nodes.append(signature)
        return found

    def _mark_shared(self, node: int, seen: set[int], reached: set[int]) -> None:
        """Nodes reached from two places become rules of their own; the others are written inline."""
        if node in seen:
            return
        seen.add(node)
        for target, _words in self._groups(node):
            if target in reached and self._nodes[target][1]:
                self._shared.add(target)
            reached.add(target)
            self._mark_shared(target, seen, reached)

    def _groups(self, node: int) -> list[tuple[int, list[str]]]:
        """Outgoing edges grouped by target, so "twenty (one | two | ...)" shares one continuation."""
        groups: dict[int, list[str]] = {}
        for word, target in self._nodes[node][1]:
            groups.setdefault(target, []).append(word)
        return list(groups.items())

    def _render(self, node: int) -> str:
        final = self._nodes[node][0]
        options = []
        for target, words in self._groups(node):
            options.append(f"{_group(words, False)} {self._reference(target)}".rstrip())
        return _group(options, final)

    def _reference(self, node: int) -> str:
        if not self._nodes[node][1]:
            return ""  # the end of a number
        if node not in self._shared:
            return self._render(node)
        name = self._names.get(node)
        if name is None:
            name = self._names[node] = f"number_{len(self._names)}"
            self.rules[name] = self._render(node)
        return f"<{name}>"


class _Builder:
    """Renders templates to JSGF; rules, lists and names are emitted once per device-type restriction."""

    def __init__(self, data: IntentData, entities: Sequence[EntityName], areas: Sequence[AreaName]) -> None:
        self.data = data
        self.entities = entities
        self.areas = areas
        self.rules: dict[str, str | None] = {}  # rule name -> body ("": says nothing, None: cannot be said)
        self.words: set[str] = set()
        self.numbers = _Numbers()
        # Type words ("plugs", "fans") only for device types the home has: a sentence about a type it
        # lacks cannot be acted on, and every extra phrase is one more way to mishear a command.
        self.types = frozenset(e.type for e in entities) if entities else None
        self._sensitive: dict[str, bool] = {}
        self._kinds_only: dict[str, bool] = {}

    def render(self, node: Node, restriction: Restriction) -> str | None:
        """A template as JSGF; None when it cannot be said in this home (e.g. no device of its type)."""
        if isinstance(node, Word):
            self.words.add(node.text)
            return node.text
        if isinstance(node, SlotRef):
            return self.slot(node, restriction)
        if isinstance(node, RuleRef):
            restriction = restriction if self.sensitive(node.name) else _NONE
            template = self.data.expansion_rules[node.name]
            key = _restricted(f"rule_{node.name}", restriction)
            return self.define(key, lambda: self.render(template.root, restriction))
        if isinstance(node, Seq):
            if self.entities and self._area_and_kind(node):
                return self._per_area(node, restriction)
            return self._sequence(node.items, restriction)
        return alternatives([self.render(option, restriction) for option in node.options])

    def _sequence(self, items: Sequence[Node], restriction: Restriction) -> str | None:
        parts = [self.render(item, restriction) for item in items]
        if any(part is None for part in parts):
            return None
        return " ".join(part for part in parts if part)

    def _area_and_kind(self, node: Seq) -> bool:
        """Whether a sequence says a room and, beside it, a kind of device ("the bedroom fans")."""
        area = any(_is_area(i) for i in node.items)
        return area and any(
            (isinstance(i, SlotRef) and i.slot_name == _DOMAIN_SLOT)
            or (isinstance(i, RuleRef) and self._kind_only(i.name))
            for i in node.items
        )

    def _kind_only(self, rule: str) -> bool:
        """Whether a rule says a kind of device and no device names: narrowing it per room stays small
        (a few type words each), where narrowing names would write the names once per room."""
        found = self._kinds_only.get(rule)
        if found is None:
            refs = list(references(self.data.expansion_rules[rule].root))
            names = any(isinstance(r, SlotRef) and r.list_name == _NAME_LIST for r in refs)
            kind = any(isinstance(r, SlotRef) and r.slot_name == _DOMAIN_SLOT for r in refs)
            inner = {r.name: self._kind_only(r.name) for r in refs if isinstance(r, RuleRef)}
            found = (
                not names
                and all(only or not self.sensitive(name) for name, only in inner.items())
                and (kind or any(inner.values()))
            )
            self._kinds_only[rule] = found
        return found

    def _per_area(self, node: Seq, restriction: Restriction) -> str | None:
        """A room with a kind of device, said only for the kinds that room has: no "the bedroom tvs" in a
        home whose tv is in the living room, one more sentence a command could be misheard as."""
        said: list[str | None] = []
        for area in self.areas:
            here = frozenset(e.type for e in self.entities if e.area == area.id)
            narrowed = (restriction & here) if restriction else here
            if not narrowed:
                continue
            room = self.define(f"area_{area.id}", partial(self.phrases, area.names))
            parts = [room if _is_area(i) else self.render(i, narrowed) for i in node.items]
            said.append(None if any(p is None for p in parts) else " ".join(p for p in parts if p))
        return alternatives(said) if said else None

    def define(self, name: str, make: Callable[[], str | None]) -> str | None:
        """Define rule `name` once and refer to it; "" when it says nothing, None when it cannot be said."""
        if name not in self.rules:
            self.rules[name] = None  # reserved first: rules are listed in the order they are first needed
            self.rules[name] = make()
        body = self.rules[name]
        if body is None:
            return None
        return f"<{name}>" if body else ""

    def sensitive(self, rule: str) -> bool:
        """Whether a rule (transitively) holds a device name or a `domain` slot, so restrictions matter."""
        found = self._sensitive.get(rule)
        if found is None:
            found = False
            for ref in references(self.data.expansion_rules[rule].root):
                if isinstance(ref, SlotRef):
                    found = found or ref.list_name == _NAME_LIST or ref.slot_name == _DOMAIN_SLOT
                else:
                    found = found or self.sensitive(ref.name)  # rules are acyclic: merge() checks
            self._sensitive[rule] = found
        return found

    def slot(self, ref: SlotRef, restriction: Restriction) -> str | None:
        if ref.list_name == _NAME_LIST:
            entities = [e for e in self.entities if not restriction or e.type in restriction]
            names = [n for e in entities for n in e.names]
            return self.define(_restricted("names", restriction), lambda: self.phrases(names))
        if ref.list_name == "area":
            names = [n for a in self.areas for n in a.names]
            return self.define("areas", lambda: self.phrases(names))
        spec = self.data.lists[ref.list_name]
        if isinstance(spec, RangeList):
            return self.define(f"list_{ref.list_name}", lambda: self.numbers.body(spec))
        restriction = restriction if ref.slot_name == _DOMAIN_SLOT else _NONE
        values = [v.tokens for v in spec.values if self.says_type(ref, v.out, restriction)]
        key = _restricted(f"list_{ref.list_name}", restriction)
        return self.define(key, lambda: alternatives([self.said(tokens) for tokens in values]))

    def says_type(self, ref: SlotRef, value: object, restriction: Restriction) -> bool:
        """Whether a list value may be said: type words only for types the home has (and the group allows)."""
        if ref.slot_name != _DOMAIN_SLOT:
            return True
        return (not restriction or value in restriction) and (self.types is None or value in self.types)

    def phrases(self, names: Sequence[str]) -> str | None:
        return alternatives([self.said(phrase) for phrase in _phrases(names)])

    def said(self, tokens: Sequence[str]) -> str:
        self.words.update(tokens)
        return " ".join(tokens)


def _is_area(node: Node) -> bool:
    return isinstance(node, SlotRef) and node.list_name == "area"


def alternatives(rendered: Sequence[str | None]) -> str | None:
    """JSGF for one of the options; None ones cannot be said and "" ones make the group optional."""
    said = [option for option in rendered if option is not None]
    if not said:
        return None
    options = list(dict.fromkeys(option for option in said if option))
    return _group(options, optional=len(options) < len(said) and "" in said)


def _restricted(name: str, restriction: Restriction) -> str:
    return "__".join([name, *sorted(restriction)])


def _narrow(group: Restriction, intent: Restriction | None) -> Restriction | None:
    """The device types a group of an intent may name (empty: any); None when no type can do both."""
    if not intent:
        return group
    if not group:
        return intent
    return (group & intent) or None


def _intent_body(
    builder: _Builder,
    intent: str,
    groups: Sequence[SentenceGroup],
    skipped: list[str],
    types: Restriction | None,
) -> str:
    """The alternatives of an intent's sentences, each group saying only names of its device types."""
    said: dict[str, None] = {}
    for group in groups:
        restriction = _narrow(group.requires_domain, types)
        if restriction is None:
            continue
        for sentence in group.sentences:
            rendered = builder.render(sentence.template.root, restriction)
            if rendered:
                said[rendered] = None
            else:
                skipped.append(f"{intent}: {sentence.template.text!r} names nothing this home has")
    return " | ".join(said)


def build_jsgf(
    data: IntentData,
    entities: Sequence[EntityName] = (),
    areas: Sequence[AreaName] = (),
    intent_types: Mapping[str, Restriction] | None = None,
    *,
    sentences: Sequence[str] = (),
    wake_words: Sequence[str] = (),
) -> JsgfGrammar:
    """One JSGF grammar saying every template of `data` with the home's device and area names.

    Each intent is a rule `<intent_...>` and the public rule `<command>` their alternatives; expansion
    rules, lists, names and number ranges are rules referred to by name, so the text grows with the
    templates plus the names, never with their product. Sentences restricted to some device types only
    say names of those types, and `intent_types` narrows an intent to the types that can carry it out
    (no "close the tv" for a recognizer to mishear a command as). Templates that cannot be said in this
    home are listed in `skipped`. `sentences` are said word for word (those that run automations), and
    any of `wake_words` may come before a sentence ("hey hearth, turn on the kitchen light").
    """
    builder = _Builder(data, entities, areas)
    skipped: list[str] = []
    intents: dict[str, str] = {}
    for intent, definition in data.intents.items():
        types = (intent_types or {}).get(intent)
        groups = definition.speech or definition.groups
        body = _intent_body(builder, intent, groups, skipped, frozenset(types) if types else None)
        if body:
            intents[intent_rule(intent)] = body
    said = sorted({w for sentence in sentences if (w := spoken(tokenize(sentence, strip_phrases=False)))})
    if said:
        builder.words.update(word for words in said for word in words)
        intents[SENTENCES_RULE] = " | ".join(" ".join(words) for words in said)
    rules = [(name, body) for name, body in builder.rules.items() if body]
    rules += list(builder.numbers.rules.items())
    public = " | ".join(f"<{name}>" for name in intents)
    wake = sorted({w for phrase in wake_words if (w := spoken(tokenize(phrase, strip_phrases=False)))})
    if wake and public:
        builder.words.update(word for words in wake for word in words)
        rules.append((WAKE_RULE, " | ".join(" ".join(words) for words in wake)))
        public = f"[<{WAKE_RULE}>] ({public})"
    lines = [f"#JSGF V1.0;\n\ngrammar {GRAMMAR_NAME};\n\npublic <{PUBLIC_RULE}> = {public};\n"]
    lines += [f"<{name}> = {body};" for name, body in (*intents.items(), *rules)]
    text = "\n".join(lines) + "\n"
    fingerprint = hashlib.sha256(f"{FORMAT}\0{text}".encode()).hexdigest()
    words = frozenset(builder.words | builder.numbers.words)
    return JsgfGrammar(text, words, fingerprint, tuple(skipped))


# ---------------------------------------------------------------------------------------------- word graphs

# Rules that are word lists (names, areas, list values, number ranges): large ones are kept as one symbol
# while the sentence automaton is minimised, then expanded once per distinct continuation.
_LIST_RULES = ("names", "areas", "list_")
CLASS_MIN_EDGES = 1
_RULE_LINE = re.compile(r"^(?:public )?<([a-z_][a-z0-9_]*)> = (.*);$")


@dataclass(frozen=True, slots=True)
class WordGraph:
    """A word graph: state 0 starts, `final` ends; an edge (from, to, word) says a word, word None nothing."""

    n_states: int
    final: int
    edges: tuple[tuple[int, int, str | None], ...]

    def accepts(self, words: Sequence[str]) -> bool:
        """Whether the graph can say exactly these words."""
        out = self._out()
        states = self._closure({0}, out)
        for word in words:
            states = self._closure({t for s in states for t, w in out[s] if w == word}, out)
        return self.final in states

    def sample(self, rng: random.Random) -> list[str]:
        """A random sentence of the graph (a uniform walk over edges; every state leads to `final`)."""
        out = self._out()
        state, words = 0, []
        while state != self.final:
            target, word = rng.choice(out[state])
            if word is not None:
                words.append(word)
            state = target
        return words

    def word_edges(self) -> list[tuple[int, int, str]]:
        """The same sentences as edges that each say a word: every free edge folded into them.

        A state gets the word edges of every state it reaches freely, and a word whose target reaches
        the final state freely also goes to the final state directly. Only states reachable from the
        start are kept, so no dead edges remain.
        """
        out = self._out()
        closures = [sorted(self._closure({state}, out)) for state in range(self.n_states)]
        ends = {state for state, reached in enumerate(closures) if self.final in reached}
        found: dict[tuple[int, int, str], None] = {}
        stack, seen = [0], {0}
        while stack:
            state = stack.pop()
            for via in closures[state]:
                for target, word in out[via]:
                    if word is None:
                        continue
                    found[(state, target, word)] = None
                    if target in ends and target != self.final:
                        found[(state, self.final, word)] = None
                    if target not in seen:
                        seen.add(target)
                        stack.append(target)
        return list(found)

    def _out(self) -> list[list[tuple[int, str | None]]]:
        out: list[list[tuple[int, str | None]]] = [[] for _ in range(self.n_states)]
        for source, target, word in self.edges:
            out[source].append((target, word))
        return out

    @staticmethod
    def _closure(states: set[int], out: list[list[tuple[int, str | None]]]) -> set[int]:
        stack = list(states)
        while stack:
            for target, word in out[stack.pop()]:
                if word is None and target not in states:
                    states.add(target)
                    stack.append(target)
        return states


@dataclass(frozen=True, slots=True)
class _Dag:
    """A minimal acyclic DFA: state 0 starts; per state whether a phrase may end there, and its edges."""

    finals: tuple[bool, ...]
    edges: tuple[dict[str, int], ...]


class _Nfa:
    """Thompson construction over template nodes; rule references embed the rule's minimal DFA."""

    def __init__(self, compiler: _Compiler) -> None:
        self.compiler = compiler
        self.eps: list[list[int]] = [[]]
        self.edges: list[list[tuple[str, int]]] = [[]]

    def new(self) -> int:
        self.eps.append([])
        self.edges.append([])
        return len(self.eps) - 1

    def build(self, node: Node, state: int) -> int:
        """Add `node` starting at `state`; returns the state where it ends."""
        if isinstance(node, Word | RuleRef):
            dag = None if isinstance(node, Word) else self.compiler.dag(node.name)
            if dag is None or node.name in self.compiler.classes:  # type: ignore[union-attr]
                label = node.text if isinstance(node, Word) else f"<{node.name}>"
                end = self.new()
                self.edges[state].append((label, end))
                return end
            return self.embed(dag, state)
        if isinstance(node, Seq):
            for item in node.items:
                state = self.build(item, state)
            return state
        if isinstance(node, SlotRef):  # pragma: no cover - generated JSGF has no slots
            raise ValueError(f"slot {{{node.list_name}}} in a JSGF rule")
        end = self.new()
        for option in node.options:
            self.eps[self.build(option, state)].append(end)
        return end

    def embed(self, dag: _Dag, state: int) -> int:
        ids = [state, *(self.new() for _ in dag.finals[1:])]
        end = self.new()
        for source, edges in enumerate(dag.edges):
            for label, target in edges.items():
                self.edges[ids[source]].append((label, ids[target]))
            if dag.finals[source]:
                self.eps[ids[source]].append(end)
        return end

    def determinize(self, end: int) -> _Dag:
        """Subset construction followed by minimisation."""
        closures: dict[int, frozenset[int]] = {}
        ids: dict[frozenset[int], int] = {}
        sets: list[frozenset[int]] = []

        def state_id(targets: Iterable[int]) -> int:
            closed = frozenset().union(
                *(closures.get(t) or _eps_closure(t, self.eps, closures) for t in targets)
            )
            found = ids.get(closed)
            if found is None:
                found = ids[closed] = len(sets)
                sets.append(closed)
            return found

        state_id([0])
        finals: list[bool] = []
        edges: list[dict[str, int]] = []
        while len(edges) < len(sets):
            members = sets[len(edges)]
            moves: dict[str, list[int]] = {}
            for s in sorted(members):
                for label, target in self.edges[s]:
                    moves.setdefault(label, []).append(target)
            finals.append(end in members)
            edges.append({label: state_id(targets) for label, targets in moves.items()})
        return _minimize(finals, edges)


def _eps_closure(state: int, eps: list[list[int]], cache: dict[int, frozenset[int]]) -> frozenset[int]:
    seen, stack = {state}, [state]
    while stack:
        for nxt in eps[stack.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    cache[state] = frozen = frozenset(seen)
    return frozen


def _minimize(finals: Sequence[bool], edges: Sequence[dict[str, int]]) -> _Dag:
    """Merge states with the same future (acyclic DFA: one pass in reverse topological order)."""
    order: list[int] = []
    seen: set[int] = set()
    stack: list[tuple[int, bool]] = [(0, False)]
    while stack:
        state, done = stack.pop()
        if done:
            order.append(state)
        elif state not in seen:
            seen.add(state)
            stack.append((state, True))
            stack.extend((t, False) for t in edges[state].values() if t not in seen)
    canon: dict[int, int] = {}
    signatures: dict[tuple[bool, tuple[tuple[str, int], ...]], int] = {}
    for state in order:
        signature = (finals[state], tuple(sorted((lab, canon[t]) for lab, t in edges[state].items())))
        canon[state] = signatures.setdefault(signature, len(signatures))
    # Renumber breadth-first from the start, labels in order, so equal languages give equal DAGs.
    merged = {canon[s]: (finals[s], {lab: canon[t] for lab, t in edges[s].items()}) for s in order}
    number = {canon[0]: 0}
    queue = [canon[0]]
    for state in queue:
        for _label, target in sorted(merged[state][1].items()):
            if target not in number:
                number[target] = len(number)
                queue.append(target)
    by_number = sorted(number, key=number.__getitem__)
    return _Dag(
        tuple(merged[s][0] for s in by_number),
        tuple({lab: number[t] for lab, t in sorted(merged[s][1].items())} for s in by_number),
    )


class _Compiler:
    """Compiles the rules of a JSGF text bottom-up into minimal DFAs, keeping large word lists as symbols."""

    def __init__(self, rules: dict[str, Node]) -> None:
        self.rules = rules
        self.classes: set[str] = set()
        self._dags: dict[str, _Dag] = {}

    def dag(self, name: str) -> _Dag:
        found = self._dags.get(name)
        if found is None:
            nfa = _Nfa(self)
            found = self._dags[name] = nfa.determinize(nfa.build(self.rules[name], 0))
            size = sum(len(edges) for edges in found.edges)
            if name.startswith(_LIST_RULES) and size >= CLASS_MIN_EDGES and not found.finals[0]:
                self.classes.add(name)
        return found


class _Expander:
    """Writes DAGs out as a word graph; a word list shared by several places is entered by a free edge."""

    def __init__(self, compiler: _Compiler) -> None:
        self.compiler = compiler
        self.n_states = 2  # 0: start, 1: final
        self.edges: list[tuple[int, int, str | None]] = []

    def new(self) -> int:
        self.n_states += 1
        return self.n_states - 1

    def expand(self, dag: _Dag, start: int, exit_: int) -> None:
        """Copy `dag` between graph states `start` and `exit_`, expanding list symbols."""
        ids = [start] + [
            exit_ if d and not e else -1 for d, e in zip(dag.finals[1:], dag.edges[1:], strict=True)
        ]
        ids = [i if i >= 0 else self.new() for i in ids]
        lists: dict[tuple[str, int], list[int]] = {}
        for source, edges in enumerate(dag.edges):
            for label, target in edges.items():
                targets = {ids[target], exit_} if dag.finals[target] else {ids[target]}
                for graph_target in sorted(targets):
                    if label.startswith("<"):
                        lists.setdefault((label[1:-1], graph_target), []).append(ids[source])
                    else:
                        self.edges.append((ids[source], graph_target, label))
        for (name, target), sources in lists.items():
            if len(sources) == 1:
                self.expand(self.compiler.dag(name), sources[0], target)
                continue
            entry = self.new()
            self.edges += [(source, entry, None) for source in sources]
            self.expand(self.compiler.dag(name), entry, target)


def _parse_rules(text: str) -> dict[str, Node]:
    rules: dict[str, Node] = {}
    for line in text.splitlines():
        match = _RULE_LINE.match(line)
        if match:
            rules[match[1]] = parse_template(match[2]).root
    return rules


def word_graph(grammar: JsgfGrammar, rule: str = PUBLIC_RULE) -> WordGraph:
    """The grammar (or one of its rules) as a compact word graph for a finite-state decoder.

    The sentence structure is determinised and minimised with word lists kept as single symbols; each
    list is then written out once per distinct continuation, entered by free edges from every place
    that shares it, so a home's names appear a few dozen times rather than once per sentence.
    """
    compiler = _Compiler(_parse_rules(grammar.text))
    expander = _Expander(compiler)
    expander.expand(compiler.dag(rule), 0, 1)
    return WordGraph(expander.n_states, 1, tuple(expander.edges))
