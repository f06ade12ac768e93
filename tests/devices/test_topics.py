"""The topic filter index behind MqttClient's dispatch, checked against paho's own matcher."""

from __future__ import annotations

import paho.mqtt.client as paho
import pytest

from devices.topics import TopicIndex

FILTERS = ["a/b", "a/+", "a/#", "#", "+/b", "+/+/c", "a/b/#", "$SYS/#", "+/broker", "x"]
TOPICS = ["a/b", "a", "a/b/c", "x/b", "q/w/c", "$SYS/broker", "x", "a/", "/b", "x/y"]


@pytest.mark.parametrize("topic", TOPICS)
def test_matches_like_paho(topic: str) -> None:
    index: TopicIndex[str] = TopicIndex()
    for topic_filter in FILTERS:
        index.add(topic_filter, topic_filter)
    expected = {f for f in FILTERS if paho.topic_matches_sub(f, topic)}
    if topic.startswith("$"):  # MQTT 4.7.2: leading wildcards never match $ topics
        expected = {f for f in expected if f[0] not in "+#"}
    assert set(index.match(topic)) == expected


def test_add_remove_and_filters() -> None:
    index: TopicIndex[int] = TopicIndex()
    index.add("a/+", 1)
    index.add("a/+", 2)
    index.add("a/b", 3)
    assert sorted(index.match("a/b")) == [1, 2, 3]
    assert set(index.filters()) == {"a/+", "a/b"} and "a/+" in index
    assert index.remove("a/+", 1) is False
    assert index.remove("a/+", 2) is True
    assert index.remove("a/b", 3) is True
    assert index.match("a/b") == [] and index.filters() == [] and "a/+" not in index
    assert index.remove("never/+", 1) is False
    index.add("a/+/c", 4)
    assert index.match("a/b/c") == [4]
