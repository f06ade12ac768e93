"""Synthetic homes of any size with realistic, distinct device names, for benchmarks and tests."""

from __future__ import annotations

import random
import re

from .model import AreaName, EntityName

_ROOMS = (
    "kitchen", "living room", "dining room", "bedroom", "bathroom", "office", "hallway", "garage", "basement",
    "attic", "laundry room", "guest room", "nursery", "playroom", "study", "library", "pantry", "porch",
    "patio", "garden", "driveway", "workshop", "gym", "cellar", "sunroom", "den", "loft", "foyer",
    "mudroom", "closet", "balcony", "terrace", "shed", "greenhouse", "music room", "game room",
)  # fmt: skip
_FLOORS = ("upstairs", "downstairs", "master", "kids", "north", "south", "east", "west")

# (noun, device type): what a device of each type is usually called.
_NOUNS = (
    ("light", "light"), ("lamp", "light"), ("spotlight", "light"), ("light strip", "light"),
    ("chandelier", "light"), ("sconce", "light"), ("bulb", "light"), ("plug", "switch"),
    ("socket", "switch"), ("heater switch", "switch"), ("fan", "fan"), ("ceiling fan", "fan"),
    ("blind", "cover"), ("shade", "cover"), ("curtain", "cover"), ("shutter", "cover"),
    ("thermostat", "climate"), ("radiator", "climate"), ("door lock", "lock"), ("window lock", "lock"),
    ("speaker", "media_player"), ("tv", "media_player"), ("soundbar", "media_player"),
    ("temperature sensor", "sensor"), ("humidity sensor", "sensor"), ("motion sensor", "sensor"),
)  # fmt: skip
_ADJECTIVES = (
    "", "ceiling", "desk", "floor", "corner", "window", "bedside", "left", "right", "reading", "accent",
    "wall", "cabinet", "mirror", "shelf", "table", "door", "back", "front", "side", "main", "small",
    "big", "round", "tall", "glass", "brass", "wooden", "white", "black",
)  # fmt: skip


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def synthetic_areas(count: int = 50) -> list[AreaName]:
    """`count` distinct areas: plain rooms first, then rooms qualified by floor or wing."""
    names = list(_ROOMS) + [f"{floor} {room}" for floor in _FLOORS for room in _ROOMS]
    return [AreaName(_slug(name), (name,)) for name in names[:count]]


def synthetic_home(n_devices: int, seed: int = 0) -> tuple[list[EntityName], list[AreaName]]:
    """A home of `n_devices` devices spread over ~50 areas, every device name distinct.

    Names read like real ones ("kitchen ceiling light", "upstairs bathroom mirror lamp"); when a room
    runs out of natural combinations a number is added ("office desk lamp 2").
    """
    rng = random.Random(seed)
    areas = synthetic_areas(min(50, max(1, n_devices)))
    combos = [(adjective, noun, kind) for adjective in _ADJECTIVES for noun, kind in _NOUNS]
    used: set[str] = set()
    entities: list[EntityName] = []
    for i in range(n_devices):
        area = areas[i % len(areas)]
        adjective, noun, kind = rng.choice(combos)
        base = " ".join(part for part in (area.names[0], adjective, noun) if part)
        name, number = base, 2
        while name in used:
            name, number = f"{base} {number}", number + 1
        used.add(name)
        entities.append(EntityName(_slug(name), (name,), kind, area.id))
    return entities, areas
