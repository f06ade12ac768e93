"""Acoustic doubt: a runner-up transcript, nearly as likely, that would do the opposite: ask, don't act."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from intents.model import IntentMatch

from .asr import Hypothesis

# Intents whose acoustically close twin does the opposite ("turn on" / "turn off").
OPPOSITES: dict[str, str] = {}
for _a, _b in (
    ("turn_on", "turn_off"),
    ("open_cover", "close_cover"),
    ("lock", "unlock"),
    ("media_play", "media_pause"),
    ("brightness_up", "brightness_down"),
    ("temperature_up", "temperature_down"),
    ("volume_up", "volume_down"),
):
    OPPOSITES[_a], OPPOSITES[_b] = _b, _a

# A runner-up at least this share of the best hypothesis' confidence counts as "nearly as likely".
RIVAL_RATIO = 0.5


def rival_reading(
    hypothesis: Hypothesis,
    understand: Callable[[str], Sequence[IntentMatch]],
    *,
    ratio: float = RIVAL_RATIO,
) -> str | None:
    """A close runner-up transcript whose command does the opposite of the best one, else None."""
    best = understand(hypothesis.text)
    if not any(m.intent in OPPOSITES for m in best):
        return None
    floor = hypothesis.confidence * ratio
    for text, confidence in hypothesis.alternatives:
        if confidence < floor or text.strip() == hypothesis.text.strip():
            continue
        other = understand(text)
        if any(OPPOSITES.get(a.intent) == b.intent for a, b in zip(best, other, strict=False)):
            return text
    return None
