"""Files of the on-disk caches: where they live, and writing them so that readers never see half a file."""

from __future__ import annotations

import contextlib
import copyreg
import io
import os
import pickle
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any


def write_atomic(path: Path, content: bytes) -> None:
    """Write via a uniquely named temporary file in the same folder, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(content)
        # A file written again keeps its permissions (hearth.yaml stays readable as it was); a new one
        # keeps mkstemp's owner-only mode.
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temporary, stat.S_IMODE(path.stat().st_mode))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def default_cache_dir() -> Path:
    """`$HEARTH_CACHE_DIR`, else `$XDG_CACHE_HOME/hearth`, else `~/.cache/hearth`."""
    if explicit := os.environ.get("HEARTH_CACHE_DIR"):
        return Path(explicit)
    if xdg := os.environ.get("XDG_CACHE_HOME"):
        return Path(xdg) / "hearth"
    return Path.home() / ".cache" / "hearth"


def pickled(value: object) -> bytes:
    """`value` as pickle bytes; read-only mappings (which pickle cannot take) come back read-only."""
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


class _Pickler(pickle.Pickler):
    dispatch_table = {**copyreg.dispatch_table, MappingProxyType: lambda m: (_read_only, (dict(m),))}


def _read_only(mapping: dict[str, Any]) -> Mapping[str, Any]:
    """Rebuilds a read-only mapping when a pickle is loaded."""
    return MappingProxyType(mapping)
