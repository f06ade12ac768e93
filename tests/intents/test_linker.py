"""Fuzzy entity linking over the sample home: exact, typo'd, plural and compound names, areas, ambiguity."""

from __future__ import annotations

import pytest

from intents.linker import EntityLinker, Linked, Mention, normal_tokens, singular, sound
from intents.model import AreaName, EntityName
from intents.normalize import tokenize
from intents.synthetic import synthetic_home

# The sample home of config/devices.yaml: (id, type, area, name, aliases...).
DEVICES = (
    ("kitchen_light", "light", "kitchen", "kitchen light", "kitchen ceiling light"),
    ("kitchen_light_strip", "light", "kitchen", "kitchen light strip", "under cabinet lights"),
    ("coffee_maker", "switch", "kitchen", "coffee maker"),
    ("living_room_lamp", "light", "living_room", "living room lamp", "reading lamp"),
    ("living_room_ceiling", "light", "living_room", "living room ceiling light"),
    ("living_room_blinds", "cover", "living_room", "living room blinds"),
    ("living_room_thermostat", "climate", "living_room", "living room thermostat", "thermostat"),
    ("tv", "media_player", "living_room", "tv", "television"),
    ("bedroom_light", "light", "bedroom", "bedroom light"),
    ("bedroom_fan", "fan", "bedroom", "bedroom fan", "ceiling fan"),
    ("bedroom_blinds", "cover", "bedroom", "bedroom blinds", "bedroom shutters"),
    ("bedroom_thermostat", "climate", "bedroom", "bedroom thermostat", "bedroom heating"),
    ("bathroom_sensor", "sensor", "bathroom", "bathroom sensor"),
    ("bathroom_fan", "fan", "bathroom", "bathroom fan", "extractor fan"),
    ("hallway_light", "light", "hallway", "hallway light", "hall light"),
    ("front_door", "lock", "hallway", "front door", "front door lock"),
    ("garage_door", "cover", "garage", "garage door"),
    ("garage_light", "light", "garage", "garage light"),
    ("office_speaker", "media_player", "office", "office speaker", "speaker"),
    ("office_sensor", "sensor", "office", "office sensor", "office thermometer"),
)
AREA_NAMES = (
    ("kitchen", "kitchen"),
    ("living_room", "living room", "lounge"),
    ("bedroom", "bedroom"),
    ("bathroom", "bathroom"),
    ("hallway", "hallway"),
    ("garage", "garage"),
    ("office", "office"),
)
# Command words of the templates: never to be read as parts of a misheard name.
VOCABULARY = frozenset(
    [
        "turn",
        "switch",
        "on",
        "off",
        "set",
        "the",
        "a",
        "an",
        "to",
        "in",
        "of",
        "my",
        "is",
        "it",
        "what",
        "time",
        "percent",
        "degrees",
        "open",
        "close",
        "closed",
        "lock",
        "unlock",
        "up",
        "down",
        "dim",
        "brighten",
        "play",
        "pause",
        "stop",
        "start",
        "volume",
        "lift",
        "lower",
        "raise",
        "all",
        "lights",
        "for",
        # Type words, as in the real templates: a name's own words are the others ("strip", "ceiling").
        "door",
        "lamp",
        "light",
        "fan",
    ]
)

ENTITIES = [EntityName(i, tuple(names), kind, area) for i, kind, area, *names in DEVICES]
AREAS = [AreaName(i, tuple(names)) for i, *names in AREA_NAMES]


@pytest.fixture(scope="module")
def linker() -> EntityLinker:
    return EntityLinker(ENTITIES, AREAS, vocabulary=VOCABULARY)


def link(linker: EntityLinker, text: str) -> Linked:
    return linker.link(tokenize(text))


def only(linked: Linked, kind: str = "name") -> Mention:
    mentions = [m for m in linked.mentions if m.kind == kind]
    assert len(mentions) == 1, linked
    return mentions[0]


def test_exact_name_is_replaced_by_a_placeholder(linker: EntityLinker) -> None:
    linked = link(linker, "turn on the kitchen light")
    assert linked.tokens == ("turn", "on", "the", "<name>")
    assert linked.mentions == (
        Mention("name", 3, 5, "kitchen light", ("kitchen_light",), 1.0, False, (), "kitchen light"),
    )


@pytest.mark.parametrize(
    ("text", "device"),
    [
        ("turn on the kitchen light strip", "kitchen_light_strip"),  # the longest name wins
        ("turn on the living room ceiling light", "living_room_ceiling"),
        ("dim the under cabinet lights", "kitchen_light_strip"),  # an alias
        ("what is the thermostat set to", "living_room_thermostat"),
        ("turn on the television", "tv"),
        ("turn on the tv", "tv"),
    ],
)
def test_exact_and_longest_matches(linker: EntityLinker, text: str, device: str) -> None:
    mention = only(link(linker, text))
    assert mention.ids == (device,)
    assert mention.score == 1.0
    assert not mention.ambiguous


@pytest.mark.parametrize(
    ("text", "device", "said"),
    [
        ("turn of the kichen lite", "kitchen_light", "kichen lite"),
        ("bedrom fan off", "bedroom_fan", "bedrom fan"),
        ("open the garage dor", "garage_door", "garage dor"),
        ("livingroom lamp on", "living_room_lamp", "livingroom lamp"),
        ("the livng room lamp", "living_room_lamp", "livng room lamp"),
        ("the hal light", "hallway_light", "hal light"),
        ("turn on the kitchen lihgt", "kitchen_light", "kitchen lihgt"),
        ("turn on the televison", "tv", "televison"),
        ("switch on the extractor fna", "bathroom_fan", "extractor fna"),
        ("turn off the bed room light", "bedroom_light", "bed room light"),
        ("turn off the kitchen lights", "kitchen_light", "kitchen lights"),  # plural of a singular name
        ("close the bedroom blind", "bedroom_blinds", "bedroom blind"),  # singular of a plural name
        ("turn on the the kitchen light", "kitchen_light", "kitchen light"),
        ("turn on the kitchen kitchen light", "kitchen_light", "kitchen kitchen light"),
    ],
)
def test_typos_plurals_compounds_and_repeats(linker: EntityLinker, text: str, device: str, said: str) -> None:
    mention = only(link(linker, text))
    assert mention.ids == (device,)
    assert mention.text == said
    assert not mention.ambiguous
    assert 0.78 <= mention.score <= 1.0


def test_fuzzy_scores_rank_below_exact(linker: EntityLinker) -> None:
    exact = only(link(linker, "kitchen light"))
    plural = only(link(linker, "kitchen lights"))
    typo = only(link(linker, "kichen lite"))
    assert exact.score == 1.0 > plural.score > typo.score
    assert exact.matched == plural.matched == typo.matched == "kitchen light"


def test_placeholders_keep_the_other_tokens(linker: EntityLinker) -> None:
    linked = link(linker, "turn the the kichen lite off in the livingroom")
    assert linked.tokens == ("turn", "the", "the", "<name>", "off", "in", "the", "<area>")
    name, area = linked.mentions
    assert (name.start, name.end, name.ids) == (3, 5, ("kitchen_light",))
    assert (area.start, area.end, area.ids, area.kind) == (8, 9, ("living_room",), "area")


@pytest.mark.parametrize(
    "text",
    [
        "turn on the spaceship",
        "set a timer for ten minutes",
        "what time is it",
        "turn to the news",
        "tell me a joke",
        "play some music",
        "open the pod bay doors",
        "set the volume to fifty percent",
    ],
)
def test_unrelated_words_link_nothing(linker: EntityLinker, text: str) -> None:
    linked = link(linker, text)
    assert linked.mentions == ()
    assert linked.tokens == tuple(tokenize(text))


def test_short_names_need_exact_words(linker: EntityLinker) -> None:
    assert only(link(linker, "tv on")).ids == ("tv",)
    assert link(linker, "to on").mentions == ()  # "to" is not "tv"
    assert link(linker, "turn on the tb").mentions == ()


@pytest.mark.parametrize(
    ("text", "area"),
    [
        ("turn off the lights in the livingroom", "living_room"),
        ("turn off the lights in the living room", "living_room"),
        ("it is cold in the lounge", "living_room"),
        ("lights in the bed room", "bedroom"),
        ("turn off the kichen", "kitchen"),
    ],
)
def test_area_linking(linker: EntityLinker, text: str, area: str) -> None:
    mention = only(link(linker, text), "area")
    assert mention.ids == (area,)
    assert "<area>" in link(linker, text).tokens


def test_a_device_name_beats_the_area_it_starts_with(linker: EntityLinker) -> None:
    linked = link(linker, "turn off the kitchen light in the bedroom")
    assert [(m.kind, m.ids) for m in linked.mentions] == [
        ("name", ("kitchen_light",)),
        ("area", ("bedroom",)),
    ]
    assert linked.tokens == ("turn", "off", "the", "<name>", "in", "the", "<area>")


def test_close_rivals_are_ambiguous_and_clear_cases_are_not() -> None:
    bathroom_light = EntityName("bathroom_light", ("bathroom light",), "light", "bathroom")
    linker = EntityLinker([*ENTITIES, bathroom_light], AREAS, vocabulary=VOCABULARY)
    # "bethroom" is one edit from "bathroom" and two from "bedroom": too close to choose.
    mention = only(link(linker, "turn on the bethroom light"))
    assert mention.ambiguous
    assert set(mention.ids + mention.alternatives) == {"bathroom_light", "bedroom_light"}
    # "bedrom" is plainly "bedroom", whatever else is in the house.
    clear = only(link(linker, "turn on the bedrom light"))
    assert (clear.ids, clear.ambiguous, clear.alternatives) == (("bedroom_light",), False, ())
    exact = only(link(linker, "turn on the bathroom light"))
    assert (exact.ids, exact.ambiguous) == (("bathroom_light",), False)


def test_a_typo_between_two_names_is_ambiguous() -> None:
    lamps = [
        EntityName("left_lamp", ("left lamp",), "light", None),
        EntityName("loft_lamp", ("loft lamp",), "light", None),
    ]
    linker = EntityLinker(lamps, [], vocabulary=VOCABULARY)
    mention = only(link(linker, "turn on the leeft lamp"))
    assert (mention.ids, mention.ambiguous) == (("left_lamp",), False)
    between = only(link(linker, "turn on the laft lamp"))
    assert between.ambiguous
    assert {*between.ids, *between.alternatives} == {"left_lamp", "loft_lamp"}
    assert not only(link(linker, "turn on the loft lamp")).ambiguous


def test_a_shared_name_lists_every_device_without_ambiguity() -> None:
    ceilings = [
        EntityName("living_ceiling", ("ceiling light",), "light", "living_room"),
        EntityName("bedroom_ceiling", ("ceiling light",), "light", "bedroom"),
    ]
    linker = EntityLinker(ceilings, AREAS)
    for text in ("ceiling light", "ceilng light"):
        mention = only(link(linker, text))
        assert mention.ids == ("living_ceiling", "bedroom_ceiling")
        assert not mention.ambiguous


def test_numbers_as_words_or_digits_match_exactly() -> None:
    lamps = [
        EntityName("lamp_2", ("lamp 2",), "light", None),
        EntityName("lamp_3", ("Lamp Three",), "light", None),
        EntityName("lamp_21", ("lamp 21",), "light", None),
    ]
    linker = EntityLinker(lamps, [])
    assert only(link(linker, "turn on lamp two")).ids == ("lamp_2",)
    assert only(link(linker, "turn on lamp 2")).ids == ("lamp_2",)
    assert only(link(linker, "turn on lamp 3")).ids == ("lamp_3",)
    assert only(link(linker, "turn on lamp twenty one")).ids == ("lamp_21",)
    assert only(link(linker, "turn on lammp 2")).ids == ("lamp_2",)
    assert link(linker, "turn on lamp 4").mentions == ()  # never a near number


def test_command_words_are_not_swallowed_into_fuzzy_names() -> None:
    dawn = [EntityName("dawn_lamp", ("dawn lamp",), "light", None)]
    guarded = EntityLinker(dawn, [], vocabulary=VOCABULARY)
    assert link(guarded, "turn down lamp").mentions == ()
    assert only(link(guarded, "turn on the dawn lamp")).ids == ("dawn_lamp",)
    assert only(link(guarded, "turn on the dawn lampp")).ids == ("dawn_lamp",)
    unguarded = EntityLinker(dawn, [])
    assert only(link(unguarded, "turn down lamp")).ids == ("dawn_lamp",)


def test_leading_articles_and_fillers_in_names() -> None:
    linker = EntityLinker([EntityName("big_lamp", ("The Big Lamp",), "light", None)], [])
    assert only(link(linker, "turn on the big lamp")).ids == ("big_lamp",)
    # Tokens that did not come through `tokenize` may still hold fillers: they stay inside the span.
    linked = linker.link(["turn", "on", "big", "um", "lamp"])
    assert linked.tokens == ("turn", "on", "<name>")
    assert only(linked).text == "big um lamp"


def test_empty_input_and_empty_home() -> None:
    assert EntityLinker([], []).link(["turn", "on"]) == Linked(("turn", "on"), ())
    linker = EntityLinker(ENTITIES, AREAS)
    assert linker.link([]) == Linked((), ())


def test_a_large_home_links_a_typod_name() -> None:
    entities, areas = synthetic_home(5000)
    linker = EntityLinker(entities, areas, vocabulary=VOCABULARY)
    for entity in entities[::500]:
        name = entity.names[0]
        longest = max(name.split(), key=len)
        typo = name.replace(longest, longest[:2] + longest[3:], 1)  # drop the third letter
        mention = only(link(linker, f"turn on the {typo}"))
        assert entity.id in mention.ids + mention.alternatives, (typo, mention)
        assert mention.ids == (entity.id,) or mention.ambiguous, (typo, mention)


def test_normalisation_helpers() -> None:
    assert [singular(w) for w in ("lights", "blinds", "switches", "batteries", "glass", "gas", "tv")] == [
        "light",
        "blind",
        "switch",
        "battery",
        "glass",
        "gas",
        "tv",
    ]
    assert sound("light") == sound("lite") == "lite"
    assert sound("door") == sound("dor")
    assert sound("kitchen") == sound("kichen")
    words, spans = normal_tokens(["the", "the", "lamp", "twenty", "one", "um", "on"])
    assert words == ["the", "lamp", "21", "on"]
    assert spans == [(0, 2), (2, 3), (3, 5), (6, 7)]
