"""The conversation window of a session: its last few turns, for follow-ups and debugging."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Turn:
    """One completed exchange: what was said, what it meant, what was touched and answered."""

    text: str
    intent: str | None
    slots: Mapping[str, Any]
    device_ids: tuple[str, ...]
    reply: str
    timestamp: float
    ok: bool
    question: str | None = None  # set when the reply asked the user something ("Which light?")
    candidates: tuple[str, ...] = ()  # device ids the question offered
    # {"intent", "slots", "words"} to carry out once the question is answered ("words": what each slot said)
    pending: Mapping[str, Any] | None = None
    commands: tuple[Mapping[str, Any], ...] = ()  # each {"intent", "slots", "devices"} that was carried out
    before: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # device states before acting

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON form of the turn."""
        return {
            "text": self.text,
            "intent": self.intent,
            "slots": dict(self.slots),
            "devices": list(self.device_ids),
            "reply": self.reply,
            "timestamp": self.timestamp,
            "ok": self.ok,
            "question": self.question,
            "candidates": list(self.candidates),
            "commands": [dict(c) for c in self.commands],
        }


@dataclass(slots=True)
class ContextWindow:
    """The last `size` turns of a session; turns older than `max_age` seconds are not offered."""

    size: int = 5
    max_age: float = 300.0
    _turns: deque[Turn] = field(init=False)

    def __post_init__(self) -> None:
        self._turns = deque(maxlen=self.size)

    def add(self, turn: Turn) -> None:
        """Remember a turn, forgetting the oldest beyond `size`."""
        self._turns.append(turn)

    def recent(self, now: float) -> list[Turn]:
        """Turns still usable at time `now`, oldest first."""
        return [turn for turn in self._turns if now - turn.timestamp <= self.max_age]

    def __len__(self) -> int:
        return len(self._turns)
