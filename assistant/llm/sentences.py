"""Sans-I/O sentence splitting of streamed text, so each sentence can be spoken as soon as it is complete."""

from __future__ import annotations

import re

# A sentence ends at . ! ? (with closing quotes or brackets) followed by white space, or at a line break.
_END = re.compile(r"""[.!?]+["')\]]*\s+|\n+""")
# Words whose full stop does not end a sentence.
_ABBREVIATIONS = frozenset({"e.g.", "i.e.", "etc.", "vs.", "mr.", "mrs.", "ms.", "dr.", "st.", "approx."})
# Markdown a voice would read out loud ("asterisk asterisk"): emphasis, headings, code ticks, bullets.
_MARKUP = re.compile(r"(\*\*|__|\*|`+|^#+\s*|^\s*[-•]\s+)", re.MULTILINE)


class SentenceSplitter:
    """Feed streamed text pieces; get back the sentences they complete, tidied for speaking."""

    def __init__(self) -> None:
        self._pending = ""

    def feed(self, text: str) -> list[str]:
        """Add text; return the sentences now complete."""
        self._pending += text
        sentences: list[str] = []
        start = 0
        for found in _END.finditer(self._pending):
            candidate = self._pending[start : found.end()]
            if found.group().strip() and _abbreviated(candidate):
                continue
            sentences.append(candidate)
            start = found.end()
        self._pending = self._pending[start:]
        return [s for s in (plain(s) for s in sentences) if s]

    def flush(self) -> list[str]:
        """The end of the text: whatever is left is the last sentence."""
        rest, self._pending = plain(self._pending), ""
        return [rest] if rest else []


def plain(text: str) -> str:
    """Text as it should be shown and spoken: without markdown symbols and runs of white space."""
    return " ".join(_MARKUP.sub("", text).split())


def _abbreviated(sentence: str) -> bool:
    words = sentence.split()
    return bool(words) and words[-1].lower() in _ABBREVIATIONS
