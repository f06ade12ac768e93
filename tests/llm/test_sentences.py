"""Streamed text becomes sentences as soon as each is complete."""

from __future__ import annotations

from assistant.llm.sentences import SentenceSplitter, plain


def test_sentences_come_out_as_soon_as_they_end() -> None:
    splitter = SentenceSplitter()
    assert splitter.feed("It is 21 degrees") == []
    assert splitter.feed(" in the kitchen. The humi") == ["It is 21 degrees in the kitchen."]
    assert splitter.feed("dity is 3.5 percent! Wa") == ["The humidity is 3.5 percent!"]
    assert splitter.feed("ter later?") == []
    assert splitter.flush() == ["Water later?"]
    assert splitter.flush() == []


def test_abbreviations_and_line_breaks() -> None:
    splitter = SentenceSplitter()
    assert splitter.feed("Plants like water, e.g. ferns. Yes\n") == ["Plants like water, e.g. ferns.", "Yes"]


def test_markdown_is_not_read_aloud() -> None:
    assert plain("**Yes**, the `kitchen light` is on.") == "Yes, the kitchen light is on."
    assert plain("# Title\n- first item") == "Title first item"
