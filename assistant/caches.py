"""The on-disk cache layers under the cache folder, for `hearth cache stats|clear`: one entry per layer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class CacheLayer:
    """A kind of cached file: its name on the command line, what it holds, and how to find its files."""

    name: str
    description: str
    find: Callable[[Path], list[Path]]  # the layer's files under the cache folder
    keep: tuple[str, ...] = ()  # files of the folder that `clear` leaves (history, not cache)


@dataclass(frozen=True, slots=True)
class LayerStats:
    """What one layer holds now."""

    layer: CacheLayer
    files: int
    bytes: int


def _glob(*patterns: str) -> Callable[[Path], list[Path]]:
    def find(root: Path) -> list[Path]:
        return sorted({p for pattern in patterns for p in root.glob(pattern) if p.is_file()})

    return find


# Add a layer here and `hearth cache` shows and clears it.
LAYERS: tuple[CacheLayer, ...] = (
    CacheLayer("classifier", "trained intent classifiers", _glob("intent-classifier-*.onnx")),
    CacheLayer("templates", "compiled sentence templates", _glob("template-grammar-*.pickle")),
    CacheLayer("recognition", "what recent utterances meant, per home", _glob("recognitions-*.pickle")),
    CacheLayer("grammar", "pocketsphinx grammars and dictionaries", _glob("sphinx-*")),
    CacheLayer("tts", "spoken reply audio (LRU)", _glob("tts/*.pcm"), keep=("tts/replies.json",)),
)


def layer_names() -> list[str]:
    """The names `hearth cache clear` accepts."""
    return [layer.name for layer in LAYERS]


def stats(root: Path) -> list[LayerStats]:
    """Files and bytes of every layer under `root`."""
    found = []
    for layer in LAYERS:
        files = layer.find(root)
        found.append(LayerStats(layer, len(files), sum(_size(p) for p in files)))
    return found


def clear(root: Path, names: list[str] | None = None) -> dict[str, int]:
    """Delete the files of the named layers (all when None); returns how many files each lost."""
    wanted = set(names or layer_names())
    unknown = wanted - set(layer_names())
    if unknown:
        raise ValueError(
            f"unknown cache layer(s) {', '.join(sorted(unknown))}; layers: {', '.join(layer_names())}"
        )
    removed = {}
    for layer in LAYERS:
        if layer.name not in wanted:
            continue
        kept = {root / k for k in layer.keep}
        files = [p for p in layer.find(root) if p not in kept]
        for path in files:
            path.unlink(missing_ok=True)
        removed[layer.name] = len(files)
    return removed


def human_bytes(count: int) -> str:
    """1536 → '1.5 kB'."""
    size = float(count)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
