"""Sans-I/O index of MQTT topic filters: which subscribers does a topic reach, without scanning them all."""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T")


class _Node(Generic[T]):
    __slots__ = ("children", "values")

    def __init__(self) -> None:
        self.children: dict[str, _Node[T]] = {}
        self.values: list[T] = []


def is_wildcard(topic_filter: str) -> bool:
    """Whether a filter uses `+` or `#`."""
    return "+" in topic_filter or "#" in topic_filter


class TopicIndex(Generic[T]):
    """Topic filters mapped to values: exact filters by dict, wildcard filters in a trie of levels."""

    def __init__(self) -> None:
        self._exact: dict[str, list[T]] = {}
        self._root: _Node[T] = _Node()
        self._wild: dict[str, _Node[T]] = {}  # wildcard filter -> its trie node

    def filters(self) -> list[str]:
        """Every filter that has at least one value."""
        return [*self._exact, *self._wild]

    def __contains__(self, topic_filter: object) -> bool:
        return topic_filter in self._exact or topic_filter in self._wild

    def add(self, topic_filter: str, value: T) -> None:
        """Attach a value to a filter."""
        if not is_wildcard(topic_filter):
            self._exact.setdefault(topic_filter, []).append(value)
            return
        node = self._root
        for level in topic_filter.split("/"):
            node = node.children.setdefault(level, _Node())
        node.values.append(value)
        self._wild[topic_filter] = node

    def remove(self, topic_filter: str, value: T) -> bool:
        """Detach a value; True when the filter has no values left (and is gone)."""
        values = self._exact.get(topic_filter)
        if values is not None:
            if value in values:
                values.remove(value)
            if not values:
                del self._exact[topic_filter]
            return not values
        node = self._wild.get(topic_filter)
        if node is None:
            return False
        if value in node.values:
            node.values.remove(value)
        if node.values:
            return False
        del self._wild[topic_filter]
        self._prune(topic_filter.split("/"))
        return True

    def _prune(self, levels: list[str]) -> None:
        path = [self._root]
        for level in levels:
            path.append(path[-1].children[level])
        for depth in range(len(levels), 0, -1):
            node = path[depth]
            if node.children or node.values:
                break
            del path[depth - 1].children[levels[depth - 1]]

    def match(self, topic: str) -> list[T]:
        """Values of every filter matching the topic (exact first); `$` topics skip leading wildcards."""
        found = list(self._exact.get(topic, ()))
        if not self._root.children:
            return found
        levels = topic.split("/")
        system = topic.startswith("$")  # MQTT: `#` and `+` at the first level do not match $SYS & co.
        stack: list[tuple[_Node[T], int]] = [(self._root, 0)]
        while stack:
            node, depth = stack.pop()
            wild_ok = not (system and depth == 0)
            rest = node.children.get("#")
            if rest is not None and wild_ok:
                found.extend(rest.values)  # `a/#` also matches `a` itself
            if depth == len(levels):
                found.extend(node.values)
                continue
            literal = node.children.get(levels[depth])
            if literal is not None:
                stack.append((literal, depth + 1))
            plus = node.children.get("+")
            if plus is not None and wild_ok:
                stack.append((plus, depth + 1))
        return found
