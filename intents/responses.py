"""Reply text: response templates with {placeholders}, natural lists of names, template lookup."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .document import ERRORS_KEY, IntentData

MISSING = "unknown"  # what a placeholder without a value says, so a gap is audible rather than a crash
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_-]*)\}")
_SPACES = re.compile(r"\s+")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([,.!?;:])")
_ARTICLES = ("the ", "a ", "an ", "my ", "your ", "our ")

# Used when neither the intent nor `_errors` has the outcome (e.g. data without the built-in document).
DEFAULT_RESPONSES: Mapping[str, str] = {
    "success": "Done",
    "no-match": "Sorry, I didn't understand that",
    "no-device": "I couldn't find {what}",
    "ambiguous": "Which one did you mean: {candidates}?",
    "need-area": "Which room?",
    "need-duration": "For how long?",
    "unsupported": "{target} can't do that",
    "not-responding": "{targets} did not respond",
    "partial": "Done for {targets}, but {failed} did not respond",
    "failed": "Something went wrong with {targets}",
}
UNKNOWN_OUTCOME = "Sorry, I can't answer that"


def _speakable(value: Any) -> str:
    """A value as words: whole floats without ".0", lists of names joined, colours by name."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:g}"
    if isinstance(value, Mapping) and "name" in value:
        return str(value["name"])
    if isinstance(value, list | tuple):
        return join_names([str(v) for v in value])
    return str(value)


def render(template: str, values: Mapping[str, Any], missing: str = MISSING) -> str:
    """Fill {placeholders} from `values`; a missing one becomes `missing`, `{{`/`}}` are literal braces.

    The result starts with a capital letter and has tidy spacing.
    """

    def fill(found: re.Match[str]) -> str:
        token = found.group(0)
        if token in ("{{", "}}"):
            return token[0]
        value = values.get(found.group(1))
        return missing if value is None or value == "" else _speakable(value)

    text = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", _SPACES.sub(" ", _PLACEHOLDER.sub(fill, template))).strip()
    return text[:1].upper() + text[1:]


def _with_article(name: str, article: str) -> str:
    if not article or name.lower().startswith(_ARTICLES):
        return name
    return f"{article} {name}"


def join_names(names: Sequence[str], conjunction: str = "and", article: str = "the") -> str:
    """["kitchen light", "hall light"] -> "the kitchen light and the hall light"; empty -> "nothing"."""
    items = [_with_article(name.strip(), article) for name in names if name.strip()]
    if not items:
        return "nothing"
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def response_template(data: IntentData, intent: str, outcome: str) -> str:
    """The template of an intent's outcome: its own, else the shared `_errors` one, else a default."""
    own = data.responses.get(intent, {}).get(outcome)
    if own is not None:
        return own
    shared = data.responses.get(ERRORS_KEY, {}).get(outcome)
    if shared is not None:
        return shared
    return DEFAULT_RESPONSES.get(outcome, UNKNOWN_OUTCOME)
