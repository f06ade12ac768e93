"""Who is spoken to: sentences that call another person by name ("Jack, the bath's running") are theirs.

Sans-I/O text work: typed or punctuated text is cut into sentences, and a sentence that opens by calling
someone by a name the home does not know, or that ends by calling a group ("…, kids"), is not for the
assistant. Speech-recogniser text without capitals or commas is left whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Sentence ends: a full stop (not inside a number), "!" or "?", then a space.
_SENTENCE_END = re.compile(r"(?<=[!?])\s+|(?<=[^\d\s]\.)\s+")
# A capitalised name (one or two words) set off by a comma at the start of a sentence.
_CALLED_FIRST = re.compile(r"^\s*([A-Z][a-z']+(?:\s+[A-Z][a-z']+)?)\s*,\s*\S")
# Words a sentence opens with before a comma that call no one: "Right, …", "Okay, …", "Please, …".
OPENERS = frozenset(
    {"right", "okay", "ok", "alright", "please", "sorry", "actually", "so", "now", "well", "oh", "hey", "hi",
     "hello", "thanks", "cheers", "listen", "look", "quick", "also", "then", "next", "first", "finally",
     "yes", "yeah", "yep", "no", "nope", "um", "er", "erm", "hmm", "ah", "ugh", "wow", "great", "good",
     "fine", "cool", "perfect", "lovely", "brilliant", "sure", "wait", "hang", "hold", "honestly", "anyway",
     "seriously", "gosh", "blimey", "crikey", "darn", "damn", "argh", "phew", "oops", "whoops", "ooh"}
)  # fmt: skip
# Words that call a group of people at the end of a sentence: the assistant is never a group.
GROUPS = frozenset({"kids", "children", "guys", "everyone", "everybody", "boys", "girls", "folks"})


def sentences(text: str) -> list[str]:
    """The text cut into sentences at ".", "!" and "?" followed by a space."""
    return [s for s in _SENTENCE_END.split(text.strip()) if s.strip()]


def called_elsewhere(sentence: str, known: Callable[[str], bool]) -> bool:
    """Whether the sentence speaks to someone else: it opens by calling a name the home does not know
    ("Harry, go upstairs…"), or closes by calling a group ("right, bath time, kids").

    `known` tells the words of the home and its commands (device, room and command words), which are
    never taken for a person's name: "Kitchen, lights on" speaks to the assistant.
    """
    opening = _CALLED_FIRST.match(sentence)
    if opening is not None:
        words = opening.group(1).lower().split()
        if not any(w in OPENERS or known(w) for w in words):
            return True
    closing = re.search(r",\s*([A-Za-z]+)\s*[.!?]*\s*$", sentence)
    return closing is not None and closing.group(1).lower() in GROUPS


def for_assistant(text: str, known: Callable[[str], bool]) -> str | None:
    """The text without its sentences spoken to someone else; None when every sentence is the assistant's
    (nothing to drop), "" when none is."""
    said = sentences(text)
    kept = [s for s in said if not called_elsewhere(s, known)]
    if len(kept) == len(said):
        return None
    return " ".join(kept)
