"""The compiled templates kept on disk: loaded on restart, keyed by the templates only, damage-tolerant."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from intents import grammar
from intents.model import EntityName
from intents.partial import partial_names
from intents.recognizer import IntentData, TemplateRecognizer, merge, parse_intent_document
from intents.vocabulary import template_words

from .conftest import AREAS, ENTITIES

EXTRA = """
language: en
intents:
  movie_mode:
    sentences: ["movie (time|mode) [in the {area}]"]
"""


@pytest.fixture(autouse=True)
def cold_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts like a fresh process: nothing compiled in memory."""
    monkeypatch.setattr(grammar, "_CACHE", {})


def _files(directory: Path) -> set[str]:
    return {p.name for p in directory.glob(f"{grammar.CACHE_PREFIX}*")}


def _parse(data: IntentData, text: str) -> tuple[str, dict[str, object]] | None:
    match = TemplateRecognizer(data, ENTITIES, AREAS).recognize(text)
    return None if match is None else (match.intent, {k: s.value for k, s in match.slots.items()})


def test_a_restart_loads_the_automaton_instead_of_compiling(
    data: IntentData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = grammar.compile_grammar(data, tmp_path)
    assert len(_files(tmp_path)) == 1
    monkeypatch.setattr(grammar, "_CACHE", {})

    def no_compiling(_data: IntentData) -> grammar.Grammar:
        raise AssertionError("compiled again although the templates did not change")

    monkeypatch.setattr(grammar, "_compile", no_compiling)
    loaded = grammar.compile_grammar(data, tmp_path)
    assert loaded.states == first.states
    assert loaded.nfa_size == first.nfa_size
    assert set(loaded.matchers) == set(first.matchers)


def test_the_loaded_automaton_understands_the_same(data: IntentData, tmp_path: Path) -> None:
    texts = ["turn on the kitchen light", "set the bedroom lamp to 40 percent", "close the garage door"]
    grammar.compile_grammar(data, tmp_path)
    compiled = [_parse(data, t) for t in texts]
    grammar._CACHE.clear()
    grammar.compile_grammar(data, tmp_path)  # from disk, then used by the recognizer below
    assert [_parse(data, t) for t in texts] == compiled
    assert all(found is not None for found in compiled)


def test_changed_templates_get_their_own_file(data: IntentData, tmp_path: Path) -> None:
    grammar.compile_grammar(data, tmp_path)
    extended = merge(*data.documents, parse_intent_document(yaml.safe_load(EXTRA), "custom.yaml"))
    grammar.compile_grammar(extended, tmp_path)
    assert len(_files(tmp_path)) == 2


def test_a_damaged_file_is_compiled_again_and_replaced(data: IntentData, tmp_path: Path) -> None:
    grammar.compile_grammar(data, tmp_path)
    (path,) = tmp_path.glob(f"{grammar.CACHE_PREFIX}*")
    path.write_bytes(b"not a pickle")
    grammar._CACHE.clear()
    assert grammar.compile_grammar(data, tmp_path).states
    assert path.read_bytes() != b"not a pickle"
    assert _parse(data, "turn off the kitchen light") is not None


def test_device_names_are_not_part_of_the_key(data: IntentData, tmp_path: Path) -> None:
    """Renaming a device must not throw away the compiled templates."""
    TemplateRecognizer(data, ENTITIES, AREAS, cache_dir=tmp_path)
    grammar._CACHE.clear()
    renamed = [EntityName("kitchen_light", ("Kitchen Pendant",), "light", "kitchen"), *ENTITIES[1:]]
    recognizer = TemplateRecognizer(data, renamed, AREAS, cache_dir=tmp_path)
    assert len(_files(tmp_path)) == 1
    match = recognizer.recognize("turn on the kitchen pendant")
    assert match is not None and match.slots["name"].value == ("kitchen_light",)


def test_partial_names_are_shared_and_read_only(data: IntentData) -> None:
    words = template_words(data)
    first = partial_names(ENTITIES, AREAS, words)
    assert partial_names(list(ENTITIES), list(AREAS), set(words)) is first
    assert first[("strip",)] == ("kitchen_strip",)
    with pytest.raises(TypeError):
        first[("new",)] = ("x",)  # type: ignore[index]


def test_partial_names_of_many_similar_names() -> None:
    """A thousand names sharing their first words: each device keeps exactly its own partial names."""
    entities = [
        EntityName(f"room_{i}_{kind}", (f"room {i} {kind} {extra}",), "light", f"room_{i}")
        for i in range(200)
        for kind, extra in (("reading", "lamp"), ("ceiling", "light"), ("desk", "lamp"))
    ]
    found = partial_names(entities, [], {"lamp", "light", "room"})
    assert found[("reading", "lamp")] == tuple(f"room_{i}_reading" for i in range(200))
    assert found[("5", "desk", "lamp")] == ("room_5_desk",)
