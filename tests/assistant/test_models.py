"""`hearth models`: pulls from a local HTTP server (ranges, drops, redirects), checksums, config, verify."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from assistant import models
from assistant.cli import main
from assistant.config import load_config
from assistant.models import (
    MANIFEST,
    Kind,
    ModelError,
    ModelFile,
    ModelSpec,
    PullOptions,
    pull,
    set_config_values,
)

SAMPLE = Path(__file__).resolve().parents[2] / "config"
REAL_CATALOGUE = models.CATALOGUE  # the tests swap in a small one


def _blob(size: int, seed: int) -> bytes:
    out = b""
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{seed}-{counter}".encode()).digest()
        counter += 1
    return out[:size]


CONFIG_JSON = b'{"alignment_heads": [], "lang_ids": []}\n'
MODEL_BIN = _blob(300_000, 1)
VOCAB = b"hello\nworld\n"
VOICE = _blob(120_000, 2)
VOICE_JSON = b'{"audio": {"sample_rate": 22050}}\n'


def _file(path: str, data: bytes, published: bool = True) -> ModelFile:
    return ModelFile(path, len(data), hashlib.sha256(data).hexdigest() if published else None)


ASR = ModelSpec(
    "test-asr",
    Kind.ASR,
    "en",
    "test/asr",
    "r1",
    (_file("config.json", CONFIG_JSON), _file("model.bin", MODEL_BIN), _file("vocabulary.txt", VOCAB, False)),
    "a tiny stand-in for a faster-whisper model",
)
VOICE_SPEC = ModelSpec(
    "xx_XX-test-low",
    Kind.TTS,
    "xx_XX",
    "test/voices",
    "v1",
    (_file("xx/xx_XX-test-low.onnx", VOICE), _file("xx/xx_XX-test-low.onnx.json", VOICE_JSON)),
    "a tiny stand-in for a piper voice",
)
CATALOGUE = (ASR, VOICE_SPEC)


@dataclass
class Server:
    """What the test server serves and what it was asked."""

    url: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    drop_after: dict[str, list[int]] = field(default_factory=dict)  # path -> bytes sent before each drop
    stall_after: dict[str, int] = field(default_factory=dict)  # path -> bytes sent before going silent
    released: threading.Event = field(default_factory=threading.Event)
    ranges: bool = True
    requests: list[tuple[str, str | None]] = field(default_factory=list)

    def ranges_asked(self, path: str) -> list[str | None]:
        """The Range headers of every request for `path`."""
        return [r for p, r in self.requests if p == path]


def _handler(state: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            state.requests.append((path, self.headers.get("Range")))
            if path in state.redirects:
                self.send_response(302)
                self.send_header("Location", state.redirects[path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = state.files.get(path)
            if body is None:
                self.send_error(404)
                return
            start, status = 0, 200
            asked = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
            if asked and state.ranges:
                start, status = int(asked.group(1)), 206
                if start >= len(body):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(body)}")
                    self.end_headers()
                    return
            self.send_response(status)
            self.send_header("Content-Length", str(len(body) - start))
            if status == 206:
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            self.end_headers()
            if path in state.stall_after:
                # Send part of the file, then nothing at all until the test ends: a stalled link.
                self.wfile.write(body[start : start + state.stall_after.pop(path)])
                self.wfile.flush()
                state.released.wait(10)
                self.close_connection = True
                return
            drops = state.drop_after.get(path)
            if drops:
                # Promise the whole file, send part of it, hang up: what a flaky link does.
                self.wfile.write(body[start : start + drops.pop(0)])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body[start:])

    return Handler


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    for spec in CATALOGUE:
        for file, data in zip(spec.files, _contents(spec), strict=True):
            state.files[f"/{spec.repo}/resolve/{spec.revision}/{file.path}"] = data
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    state.released.set()
    httpd.shutdown()
    httpd.server_close()


def _contents(spec: ModelSpec) -> tuple[bytes, ...]:
    return (CONFIG_JSON, MODEL_BIN, VOCAB) if spec is ASR else (VOICE, VOICE_JSON)


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(SAMPLE, target)
    return target


@pytest.fixture(autouse=True)
def test_catalogue(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(models, "CATALOGUE", CATALOGUE)
    monkeypatch.delenv(models.BASE_URL_ENV, raising=False)


MODEL_PATH = f"/{ASR.repo}/resolve/{ASR.revision}/model.bin"


def _comments(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#")]


def test_pull_downloads_checks_and_points_the_config_at_the_model(
    server: Server, config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # huggingface.co sends large files through a redirect to its CDN: follow it.
    server.files["/cdn/blob"] = server.files.pop(MODEL_PATH)
    server.redirects[MODEL_PATH] = "/cdn/blob"
    server.drop_after["/cdn/blob"] = [100_000]
    before = (config_dir / "hearth.yaml").read_text()

    code = main(["models", "pull", "test-asr", "--config", str(config_dir), "--base-url", server.url])

    out = capsys.readouterr().out
    assert code == 0
    folder = config_dir / "models" / "test-asr"
    assert (folder / "model.bin").read_bytes() == MODEL_BIN
    assert (folder / "config.json").read_bytes() == CONFIG_JSON
    assert (folder / "vocabulary.txt").read_bytes() == VOCAB
    assert not list(folder.glob("*.part"))
    assert server.ranges_asked(MODEL_PATH) == [None, "bytes=100000-"]  # the Range survives the redirect
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["files"]["model.bin"] == {
        "size": len(MODEL_BIN),
        "sha256": hashlib.sha256(MODEL_BIN).hexdigest(),
        "published": True,
    }
    assert manifest["files"]["vocabulary.txt"]["published"] is False
    after = (config_dir / "hearth.yaml").read_text()
    assert _comments(after) == _comments(before)
    assert "asr.engine: pocketsphinx -> faster-whisper" in out
    assert "asr.model: (unset) -> models/test-asr" in out
    config = load_config(config_dir)
    assert config.asr.engine == "faster-whisper"
    assert config.asr.model == folder
    assert config.tts.engine == "espeak-ng"  # untouched


def test_pulling_a_voice_sets_piper_and_the_voice_file(
    server: Server, config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (config_dir / "hearth.yaml").read_text()
    args = ["models", "pull", "xx_XX-test-low", "--config", str(config_dir), "--base-url", server.url]

    assert main(args) == 0

    voice = config_dir / "models" / "xx_XX-test-low" / "xx_XX-test-low.onnx"
    assert voice.read_bytes() == VOICE
    assert voice.with_name("xx_XX-test-low.onnx.json").read_bytes() == VOICE_JSON
    out = capsys.readouterr().out
    assert "tts.engine: espeak-ng -> piper" in out
    assert "tts.voice: (unset) -> models/xx_XX-test-low/xx_XX-test-low.onnx" in out
    assert _comments((config_dir / "hearth.yaml").read_text()) == _comments(before)
    config = load_config(config_dir)
    assert (config.tts.engine, config.tts.voice) == ("piper", str(voice))
    # A second pull downloads nothing and changes nothing.
    server.requests.clear()
    assert main(args) == 0
    assert server.requests == []
    assert "already uses xx_XX-test-low" in capsys.readouterr().out


def test_a_voice_without_piper_installed_leaves_the_config_alone(
    server: Server, config_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(models, "_importable", lambda module: False)
    before = (config_dir / "hearth.yaml").read_text()

    code = main(["models", "pull", "xx_XX-test-low", "--config", str(config_dir), "--base-url", server.url])

    assert code == 0
    assert "pip install 'hearth[piper]'" in capsys.readouterr().out
    assert (config_dir / "hearth.yaml").read_text() == before
    assert models.model_state(VOICE_SPEC, config_dir / "models") == "installed"


def test_a_dropped_connection_is_resumed_with_a_range_request(server: Server, tmp_path: Path) -> None:
    server.drop_after[MODEL_PATH] = [100_000, 50_000]

    result = pull(ASR, tmp_path, PullOptions(base_url=server.url))

    assert (result.folder / "model.bin").read_bytes() == MODEL_BIN
    assert server.ranges_asked(MODEL_PATH) == [None, "bytes=100000-", "bytes=150000-"]


def test_an_interrupted_pull_continues_where_it_stopped_on_the_next_run(
    server: Server, tmp_path: Path
) -> None:
    server.drop_after[MODEL_PATH] = [120_000]

    with pytest.raises(ModelError) as failed:
        pull(ASR, tmp_path, PullOptions(base_url=server.url, retries=0))

    assert failed.value.code == "download-interrupted"
    assert "run the same command again to resume" in failed.value.message
    part = tmp_path / "test-asr" / "model.bin.part"
    assert part.read_bytes() == MODEL_BIN[:120_000]
    assert not (tmp_path / "test-asr" / "model.bin").exists()
    assert models.model_state(ASR, tmp_path) == "partial"

    server.requests.clear()
    result = pull(ASR, tmp_path, PullOptions(base_url=server.url))

    assert (result.folder / "model.bin").read_bytes() == MODEL_BIN
    assert server.ranges_asked(MODEL_PATH) == ["bytes=120000-"]
    assert result.kept == ["config.json"]  # finished before the interruption: not fetched again
    assert models.model_state(ASR, tmp_path) == "installed"


def test_a_stalled_download_times_out_and_resumes(server: Server, tmp_path: Path) -> None:
    server.stall_after[MODEL_PATH] = 70_000

    # A short read timeout but a long connect timeout: the resume proves the read timeout applied.
    result = pull(ASR, tmp_path, PullOptions(base_url=server.url, connect_timeout=30, read_timeout=0.3))

    assert (result.folder / "model.bin").read_bytes() == MODEL_BIN
    assert server.ranges_asked(MODEL_PATH) == [None, "bytes=70000-"]


def test_the_progress_bar_reaches_the_total() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    bar = models.ByteProgress(screen)
    for done in (0, 1024, 2048):
        bar("model.bin", done, 2048)

    last = screen.getvalue().split("\r")[-1]
    assert "model.bin" in last and "#" * 30 in last and "2.0 KiB / 2.0 KiB" in last
    assert last.endswith("\n")


def test_a_server_without_ranges_gets_the_file_again_from_the_start(server: Server, tmp_path: Path) -> None:
    server.ranges = False
    server.drop_after[MODEL_PATH] = [100_000]

    result = pull(ASR, tmp_path, PullOptions(base_url=server.url))

    assert (result.folder / "model.bin").read_bytes() == MODEL_BIN


def test_a_checksum_mismatch_fails_clearly_and_leaves_no_file(
    server: Server, config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.files[MODEL_PATH] = _blob(len(MODEL_BIN), 99)  # right size, wrong bytes
    before = (config_dir / "hearth.yaml").read_text()

    code = main(["models", "pull", "test-asr", "--config", str(config_dir), "--base-url", server.url])

    err = capsys.readouterr().err
    assert code == 1
    assert "model.bin" in err and "SHA-256" in err and "the download was deleted" in err
    assert "Traceback" not in err
    folder = config_dir / "models" / "test-asr"
    assert not (folder / "model.bin").exists()
    assert not (folder / "model.bin.part").exists()
    assert not (folder / MANIFEST).exists()
    assert (config_dir / "hearth.yaml").read_text() == before


def test_verify_finds_a_corrupted_file(
    server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pull(ASR, tmp_path, PullOptions(base_url=server.url))
    pull(VOICE_SPEC, tmp_path, PullOptions(base_url=server.url))

    (tmp_path / "xx_XX-test-low").rename(tmp_path / "elsewhere")
    (tmp_path / "xx_XX-test-low").mkdir()
    (tmp_path / "xx_XX-test-low" / "xx_XX-test-low.onnx.part").write_bytes(b"x")
    assert main(["models", "verify", "--dir", str(tmp_path)]) == 0
    assert "xx_XX-test-low: unfinished pull, not checked" in capsys.readouterr().out
    shutil.rmtree(tmp_path / "xx_XX-test-low")
    (tmp_path / "elsewhere").rename(tmp_path / "xx_XX-test-low")

    assert main(["models", "verify", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "test-asr: OK (2 against the host's published SHA-256; 1 against the SHA-256 recorded" in out
    assert "xx_XX-test-low: OK (2 against the host's published SHA-256)" in out

    model = tmp_path / "test-asr" / "model.bin"
    data = bytearray(model.read_bytes())
    data[1000] ^= 0xFF
    model.write_bytes(bytes(data))
    (tmp_path / "test-asr" / "vocabulary.txt").write_bytes(b"hellO\nworld\n")

    assert main(["models", "verify", "--dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "test-asr: FAILED" in out
    assert re.search(r"^  model\.bin: 300000 bytes, SHA-256 .* expected ", out, re.MULTILINE)
    assert re.search(r"^  vocabulary\.txt: ", out, re.MULTILINE)
    assert "xx_XX-test-low: OK" in out

    # Pulling again repairs exactly the damaged files.
    server.requests.clear()
    result = pull(ASR, tmp_path, PullOptions(base_url=server.url))
    assert sorted(result.replaced) == ["model.bin", "vocabulary.txt"]
    assert model.read_bytes() == MODEL_BIN


def test_a_full_disk_is_reported_as_such_not_retried(server: Server, tmp_path: Path) -> None:
    folder = tmp_path / "test-asr"
    folder.mkdir()
    (folder / "model.bin.part").mkdir()  # cannot be opened as a file, like a disk that refuses writes

    with pytest.raises(ModelError) as failed:
        pull(ASR, tmp_path, PullOptions(base_url=server.url))

    assert failed.value.code == "write-failed"
    assert str(folder / "model.bin.part") in failed.value.message
    assert len(server.ranges_asked(MODEL_PATH)) == 1


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_an_unreachable_host_fails_fast_with_advice(
    config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"

    code = main(["models", "pull", "test-asr", "--config", str(config_dir), "--base-url", url])

    err = capsys.readouterr().err
    assert code == 1
    assert "cannot reach 127.0.0.1" in err
    assert "--base-url" in err and "copy them into the model's folder" in err
    assert str(config_dir / "models" / "test-asr") in err
    assert "Traceback" not in err
    assert not (config_dir / "models" / "test-asr").exists()


def test_files_copied_by_hand_are_checked_and_kept_without_network(
    config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = config_dir / "models" / "test-asr"
    folder.mkdir(parents=True)
    for file, data in zip(ASR.files, _contents(ASR), strict=True):
        (folder / file.name).write_bytes(data)
    url = f"http://127.0.0.1:{_closed_port()}"

    assert main(["models", "pull", "test-asr", "--config", str(config_dir), "--base-url", url]) == 0

    assert "kept model.bin (already there, checked)" in capsys.readouterr().out
    assert (folder / MANIFEST).is_file()


def test_list_shows_the_catalogue_with_sizes_and_states(
    server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pull(VOICE_SPEC, tmp_path, PullOptions(base_url=server.url))
    (tmp_path / "test-asr").mkdir()
    (tmp_path / "test-asr" / "model.bin.part").write_bytes(b"x")
    monkeypatch.setenv(models.BASE_URL_ENV, "https://mirror.example/hf/")

    assert main(["models", "list", "--dir", str(tmp_path), "--urls"]) == 0

    out = capsys.readouterr().out
    assert f"models folder: {tmp_path}" in out
    assert re.search(r"^test-asr\s+asr\s+en\s+293\.0 KiB\s+partial\s+a tiny stand-in", out, re.MULTILINE)
    assert re.search(r"^xx_XX-test-low\s+tts\s+xx_XX\s+117\.2 KiB\s+installed", out, re.MULTILINE)
    assert "https://mirror.example/hf/test/asr/resolve/r1/model.bin" in out


def test_the_real_catalogue_is_complete() -> None:
    for spec in REAL_CATALOGUE:
        assert spec.size > 0
        assert spec.url("https://huggingface.co", spec.files[0]).startswith(
            f"https://huggingface.co/{spec.repo}/"
        )
        if spec.kind is Kind.TTS:
            assert {f.name for f in spec.files} == {f"{spec.name}.onnx", f"{spec.name}.onnx.json"}
        else:
            assert {"config.json", "model.bin", "tokenizer.json"} <= {f.name for f in spec.files}
        # Every file has a published digest to check against.
        assert all(f.sha256 is not None and re.fullmatch("[0-9a-f]{64}", f.sha256) for f in spec.files)


def test_unknown_names_get_suggestions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "pull", "test-asrr", "--dir", os.devnull, "--no-config"]) == 2
    assert "did you mean test-asr?" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "language: en\nasr:\n  engine: pocketsphinx   # the embedded one\n  vad:\n    max_seconds: 15\n",
            "language: en\nasr:\n  engine: faster-whisper   # the embedded one\n  model: m/x\n"
            "  vad:\n    max_seconds: 15\n",
        ),
        ("language: en\n", "language: en\n\nasr:\n  engine: faster-whisper\n  model: m/x\n"),
        (
            "hub:\n  clients:\n    - token: !secret kitchen  # kept\nasr:\n  engine: faster-whisper\n",
            "hub:\n  clients:\n    - token: !secret kitchen  # kept\nasr:\n  engine: faster-whisper\n"
            "  model: m/x\n",
        ),
        (
            "language: en\nasr:\n# nothing yet\n",
            "language: en\nasr:\n  engine: faster-whisper\n  model: m/x\n# nothing yet\n",
        ),
        (
            'asr:\n  vad:\n    max_seconds: 15\n  model: "old dir"\n',
            "asr:\n  vad:\n    max_seconds: 15\n  model: m/x\n  engine: faster-whisper\n",
        ),
    ],
)
def test_config_edits_touch_only_the_keys_they_set(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "hearth.yaml"
    path.write_text(text)

    set_config_values(path, [("asr", "engine", "faster-whisper"), ("asr", "model", "m/x")])

    assert path.read_text() == expected


def test_a_config_that_cannot_be_edited_safely_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "hearth.yaml"
    path.write_text("tts: {engine: espeak-ng}\n")

    with pytest.raises(ModelError) as failed:
        set_config_values(path, [("tts", "voice", "v.onnx")])

    assert failed.value.code == "config-edit"
    assert "set tts.voice: v.onnx by hand" in failed.value.message
    assert path.read_text() == "tts: {engine: espeak-ng}\n"
