"""What a hub process holds: no training leftovers, no packages a home without their feature never uses."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.certs import CA_CERT, CERTS_DIR
from assistant.config import load_config
from assistant.hub import CA_FILE
from assistant.pipeline import train_apart

ROOT = Path(__file__).resolve().parents[2]

# Builds a hub of the sample home and its classifier layer as Hub.start does, then says what got imported.
HUB_SCRIPT = """
import json, sys
from pathlib import Path
from assistant.config import load_config
from assistant.hub import Hub
from assistant.pipeline import load_classifier

config = load_config(Path(sys.argv[1]))
Hub(config, simulate=True)
layer, trained = load_classifier(config, Path(sys.argv[2]), apart=True)
best = layer.classifier.predict(["turn", "on", "the", "<name>"])[0][0]
heavy = ("onnx", "google.protobuf", "httpx", "cryptography")
print(json.dumps({"trained": trained, "best": best, "imported": [m for m in heavy if m in sys.modules]}))
"""


def _hub_imports(cache: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", HUB_SCRIPT, str(ROOT / "config"), str(cache)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_a_hub_trains_its_classifier_apart_and_imports_no_unused_packages(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    # A fresh cache: the model is trained in a child process, so not even training's onnx lands here.
    first = _hub_imports(cache)
    assert first == {"trained": True, "best": "turn_on", "imported": []}
    assert list(cache.glob("intent-classifier-*.onnx"))
    # The model cached: loaded into onnxruntime without the onnx package (protobuf), an HTTP client for a
    # language model the home does not configure, or the certificate code for a CA it does not have.
    assert _hub_imports(cache) == {"trained": False, "best": "turn_on", "imported": []}


def test_a_failed_child_is_reported_and_leaves_training_to_the_hub(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    config = load_config(ROOT / "config")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-python"))
    with caplog.at_level(logging.WARNING, "hearth.pipeline"):
        assert train_apart(config.intents, tmp_path / "cache") is False
    assert "training in the hub" in caplog.text
    assert not list(tmp_path.glob("cache/intent-classifier-*.onnx"))


def test_the_hub_looks_for_the_ca_where_hearth_certs_puts_it() -> None:
    assert CA_FILE == (CERTS_DIR, CA_CERT)
