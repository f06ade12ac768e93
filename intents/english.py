"""Whether a word is an English word, from the pronouncing dictionary that ships in pocketsphinx's wheel.

The dictionary (134,000 words, sorted) is searched in place through a memory map: nothing is loaded, so a
Raspberry Pi pays a few page reads for the rare word asked about, never megabytes of memory.
"""

from __future__ import annotations

import importlib.util
import mmap
from functools import lru_cache
from pathlib import Path

_DICTIONARY = Path("model") / "en-us" / "cmudict-en-us.dict"


@lru_cache(maxsize=1)
def _dictionary() -> mmap.mmap | None:
    """The dictionary mapped into memory, or None when pocketsphinx is not installed."""
    spec = importlib.util.find_spec("pocketsphinx")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / _DICTIONARY
    if not path.is_file():
        return None
    with path.open("rb") as file:
        return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)


def _word_at(data: mmap.mmap, offset: int) -> tuple[bytes, int]:
    """The headword of the line holding `offset` ("street(2)" read as "street") and where that line starts."""
    start = data.rfind(b"\n", 0, offset) + 1
    end = data.find(b" ", start)
    word = data[start:end] if end != -1 else data[start:]
    return word.split(b"(", 1)[0], start


@lru_cache(maxsize=4096)
def is_english(word: str) -> bool:
    """Whether `word` (lower case) is in the dictionary; False when no dictionary is installed."""
    data = _dictionary()
    if data is None or not word:
        return False
    key = word.encode()
    low, high = 0, len(data)
    while low < high:  # a binary search over byte offsets, each probe read back to its line's start
        middle = (low + high) // 2
        found, start = _word_at(data, middle)
        if found == key:
            return True
        if found < key:
            next_line = data.find(b"\n", middle)
            if next_line == -1:
                return False
            low = next_line + 1
        else:
            high = start
    return False
