"""Cache files are written whole or not at all, and a rewritten file keeps its permissions."""

from __future__ import annotations

import pickle
import stat
from pathlib import Path
from types import MappingProxyType

from intents.cachefiles import pickled, write_atomic


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "cache.bin"
    write_atomic(path, b"abc")
    assert path.read_bytes() == b"abc"
    assert _mode(path) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["cache.bin"]  # no temporary file left


def test_a_rewritten_file_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "hearth.yaml"
    path.write_text("language: en\n")
    path.chmod(0o644)
    write_atomic(path, b"language: fr\n")
    assert path.read_text() == "language: fr\n"
    assert _mode(path) == 0o644


def test_read_only_mappings_survive_pickling() -> None:
    value = {"slots": MappingProxyType({"domain": "light"})}
    loaded = pickle.loads(pickled(value))
    assert isinstance(loaded["slots"], MappingProxyType)
    assert dict(loaded["slots"]) == {"domain": "light"}
