"""Speech grammars: templates and names as JSGF, and the word graph a decoder searches."""

from __future__ import annotations

import random
import re
from functools import cache
from pathlib import Path

import yaml

from assistant.understanding import target_types
from intents.document import IntentData, RangeList, load_builtin, merge, parse_intent_document
from intents.jsgf import JsgfGrammar, WordGraph, build_jsgf, intent_rule, spoken, word_graph
from intents.model import AreaName, EntityName
from intents.numbers import number_to_words, parse_number
from intents.recognizer import TemplateRecognizer
from intents.synthetic import synthetic_home

ROOT = Path(__file__).resolve().parents[2]

ENTITIES = [
    EntityName("kitchen_light", ("Kitchen Light", "kitchen ceiling light"), "light", "kitchen"),
    EntityName("desk_lamp", ("Desk Lamp",), "light", "office"),
    EntityName("lamp_2", ("Lamp 2",), "light", "office"),
    EntityName("ecobee", ("EcoBee",), "climate", "living_room"),
    EntityName("bedroom_fan", ("Bedroom Fan",), "fan", "bedroom"),
    EntityName("garage_door", ("Garage Door",), "cover", "garage"),
    EntityName("front_door", ("Front Door",), "lock", "hallway"),
    EntityName("tv", ("TV",), "media_player", "living_room"),
]
AREAS = [
    AreaName("kitchen", ("Kitchen",)),
    AreaName("office", ("Office",)),
    AreaName("living_room", ("Living Room", "lounge")),
    AreaName("bedroom", ("Bedroom",)),
    AreaName("garage", ("Garage",)),
    AreaName("hallway", ("Hallway",)),
]


@cache
def builtin() -> IntentData:
    return merge(load_builtin("en"))


@cache
def grammar() -> JsgfGrammar:
    return build_jsgf(builtin(), ENTITIES, AREAS)


@cache
def graph(rule: str = "command") -> WordGraph:
    return word_graph(grammar(), rule)


def says(sentence: str, rule: str = "command") -> bool:
    return graph(rule).accepts(sentence.split())


def test_grammar_is_jsgf_with_a_rule_per_intent() -> None:
    text = grammar().text
    assert text.startswith("#JSGF V1.0;")
    public = re.search(r"^public <command> = (.*);$", text, re.MULTILINE)
    assert public is not None
    for intent in ("turn_on", "turn_off", "set_brightness", "start_timer", "get_time"):
        assert f"<{intent_rule(intent)}>" in public.group(1)
        assert re.search(rf"^<{intent_rule(intent)}> = .+;$", text, re.MULTILINE)
    # Every line is one rule definition: the decoder and word_graph read it line by line.
    body = [line for line in text.splitlines()[2:] if line]
    assert body[0] == "grammar hearth;"
    assert all(re.fullmatch(r"(public )?<[a-z0-9_]+> = [^;]+;", line) for line in body[1:])


def test_same_input_same_text_and_fingerprint() -> None:
    again = build_jsgf(builtin(), list(ENTITIES), list(AREAS))
    assert again.text == grammar().text
    assert again.fingerprint == grammar().fingerprint
    renamed = build_jsgf(
        builtin(), [*ENTITIES[:-1], EntityName("tv", ("Telly",), "media_player", None)], AREAS
    )
    assert renamed.fingerprint != grammar().fingerprint


def test_names_are_said_as_normalised_words() -> None:
    assert says("turn on the kitchen light")
    assert says("turn on the kitchen ceiling light")
    assert says("what's the temperature of the ecobee")
    assert says("turn off lamp two")  # digits in names are said as number words
    assert not says("turn off lamp 2")
    assert says("turn on the tv") and says("pause the tv in the lounge")
    assert {"ecobee", "two", "lounge"} <= grammar().words
    assert not any(word != word.lower() or "2" in word for word in grammar().words)


def test_automation_sentences_are_said_word_for_word() -> None:
    with_sentences = build_jsgf(builtin(), ENTITIES, AREAS, sentences=("Good night!", "movie time 2"))
    said = word_graph(with_sentences)
    assert said.accepts(["good", "night"]) and said.accepts(["movie", "time", "two"])
    assert not said.accepts(["good"])
    assert {"good", "night", "movie"} <= with_sentences.words
    assert with_sentences.fingerprint != grammar().fingerprint
    assert not says("good night")  # only where the home has such an automation


def test_a_room_is_said_only_with_the_kinds_of_device_it_has() -> None:
    assert says("turn on the kitchen lights") and says("turn off the lights in the office")
    assert says("turn on the living room tv") and says("open the garage door")
    # No light in the garage, no tv in the bedroom, no fan in the kitchen: nothing to mishear a command as.
    assert not says("turn on the garage lights") and not says("turn off the lights in the garage")
    assert not says("turn off the bedroom tvs") and not says("turn on the kitchen fans")
    assert says("turn on the bedroom fan")


def test_a_wake_word_may_come_before_any_sentence() -> None:
    woken = build_jsgf(builtin(), ENTITIES, AREAS, wake_words=("hey hearth", "OK Jarvis"))
    said = word_graph(woken)
    assert said.accepts(["hey", "hearth", "turn", "on", "the", "kitchen", "light"])
    assert said.accepts(["ok", "jarvis", "turn", "on", "the", "kitchen", "light"])
    assert said.accepts(["turn", "on", "the", "kitchen", "light"])  # or not at all
    assert not said.accepts(["hey", "hearth"])  # a wake word alone is no command
    assert not said.accepts(["turn", "on", "the", "kitchen", "light", "hey", "hearth"])
    assert {"hey", "hearth", "jarvis"} <= woken.words
    assert woken.fingerprint != grammar().fingerprint


def test_vocabulary_is_every_word_of_the_graph() -> None:
    said = {word for _source, _target, word in graph().edges if word is not None}
    assert said == set(grammar().words)


def test_word_edges_say_the_same_sentences_without_free_edges() -> None:
    edges = graph().word_edges()
    assert all(word for _source, _target, word in edges)
    folded = WordGraph(graph().n_states, graph().final, tuple(edges))
    rng = random.Random(3)
    for _ in range(300):
        assert folded.accepts(graph().sample(rng))
    assert not folded.accepts(["turn", "on", "the", "the", "kitchen", "light"])
    assert any(word is None for _source, _target, word in graph().edges)  # the graph had some


def test_number_ranges_are_said_in_words_that_parse_back() -> None:
    percent = word_graph(grammar(), "list_s_percent")
    for value in range(101):
        words = number_to_words(value).split()
        assert percent.accepts(words), words
        assert parse_number(words, 0) == (value, len(words))
    assert not percent.accepts(["one", "hundred", "one"])
    degrees = word_graph(grammar(), "list_s_degrees")
    assert degrees.accepts(["twenty", "one"])
    assert not degrees.accepts(["forty", "one"])  # the speech grammar listens for what people say
    assert parse_number(["twenty", "one", "point", "five"], 0) == (21.5, 4)
    seconds = builtin().lists["s_seconds"]
    assert isinstance(seconds, RangeList)
    assert word_graph(grammar(), "list_s_seconds").accepts(number_to_words(59).split())


def test_speech_sentences_replace_the_templates_in_the_grammar() -> None:
    # turn_off's templates understand "kill the tv"; its speech sentences do not listen for it.
    assert says("turn off the tv") and says("switch the tv off")
    assert not says("kill the tv")
    custom = parse_intent_document(
        {"language": "en", "intents": {"turn_off": {"sentences": ["kill <target>"]}}}
    )
    data = merge(load_builtin("en"), custom)
    assert word_graph(build_jsgf(data, ENTITIES, AREAS)).accepts(["kill", "the", "tv"])  # the user's own


def test_intents_only_name_devices_of_types_that_can_do_them() -> None:
    types = {"close_cover": frozenset({"cover"}), "set_color": frozenset({"light"})}
    narrowed = word_graph(build_jsgf(builtin(), ENTITIES, AREAS, types))
    assert narrowed.accepts(["close", "the", "garage", "door"])
    assert not narrowed.accepts(["close", "the", "tv"])
    assert narrowed.accepts(["set", "the", "kitchen", "light", "to", "blue"])
    assert not narrowed.accepts(["set", "the", "bedroom", "fan", "to", "blue"])
    assert says("close the tv")  # without the types every name may follow every verb


def test_type_words_only_for_types_the_home_has() -> None:
    lights_only = build_jsgf(builtin(), [ENTITIES[0]], AREAS)
    only = word_graph(lights_only)
    assert only.accepts(["turn", "on", "the", "lights", "in", "the", "kitchen"])
    assert not only.accepts(["turn", "on", "the", "fans", "in", "the", "kitchen"])
    assert "fans" not in lights_only.words


def test_sentences_that_name_nothing_are_skipped_and_reported() -> None:
    empty = build_jsgf(builtin())
    assert any("{name}" in reason or "<target>" in reason for reason in empty.skipped)
    assert word_graph(empty).accepts(["what", "time", "is", "it"])
    assert not word_graph(empty).accepts(["turn", "on", "the", "kitchen", "light"])


def test_custom_intents_are_in_the_grammar() -> None:
    custom = parse_intent_document(
        {
            "language": "en",
            "intents": {"good_morning": {"sentences": ["good morning [hearth]"], "response": "Hi"}},
        }
    )
    data = merge(load_builtin("en"), custom)
    assert word_graph(build_jsgf(data, ENTITIES, AREAS)).accepts(["good", "morning", "hearth"])


def test_every_generated_sentence_is_understood_as_its_intent() -> None:
    """Random sentences of each intent's rule parse back to that intent (or to one that says it too)."""
    data, entities, areas = _sample_home()
    types = {name: found for name in data.intents if (found := target_types(name))}
    speech = build_jsgf(data, entities, areas, types)
    recognizer = TemplateRecognizer(data, entities, areas)
    graphs = {intent: word_graph(speech, intent_rule(intent)) for intent in data.intents}
    rng = random.Random(7)
    checked = 0
    for intent, rule_graph in graphs.items():
        for _ in range(400):
            words = rule_graph.sample(rng)
            match = recognizer.recognize(" ".join(words))
            assert match is not None, (intent, words)
            # The same words may be a sentence of two intents; the recognizer's ranking then decides.
            assert match.intent == intent or graphs[match.intent].accepts(words), (
                intent,
                match.intent,
                words,
            )
            checked += 1
    assert checked == 400 * len(graphs)


def test_large_home_grammar_grows_with_the_names_not_their_product() -> None:
    small = build_jsgf(builtin(), *synthetic_home(100))
    large = build_jsgf(builtin(), *synthetic_home(1000))
    per_device = (len(large.text) - len(small.text)) / 900
    assert (
        per_device < 100
    )  # each device's name is written a few times (per type restriction), not per sentence
    name = synthetic_home(1000)[0][-1].names[0]
    assert large.text.count(f"| {' '.join(spoken(name.split()))} ") <= 3
    assert word_graph(large).accepts(f"turn on the {name}".split())


def test_sample_config_grammar_builds_without_skips() -> None:
    data, entities, areas = _sample_home()
    speech = build_jsgf(data, entities, areas)
    assert speech.skipped == ()
    assert word_graph(speech).accepts(["let", "there", "be", "light", "in", "the", "kitchen"])


@cache
def _sample_home() -> tuple[IntentData, list[EntityName], list[AreaName]]:
    devices = yaml.safe_load((ROOT / "config" / "devices.yaml").read_text(encoding="utf-8"))
    areas = []
    for area in devices["areas"]:
        name, aliases = (area, []) if isinstance(area, str) else (area["name"], area.get("aliases", []))
        areas.append(AreaName(name.replace(" ", "_"), (name, *aliases)))
    entities = [
        EntityName(d["id"], (d["name"], *d.get("aliases", [])), d["type"], d.get("area"))
        for d in devices["devices"]
    ]
    documents = [load_builtin("en")]
    for path in sorted((ROOT / "config" / "intents").glob("*.yaml")):
        documents.append(parse_intent_document(yaml.safe_load(path.read_text(encoding="utf-8")), str(path)))
    return merge(*documents), entities, areas
