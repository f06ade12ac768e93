"""Speech models on a user's machine: a catalogue, resumable checked downloads, and the config edit."""

from __future__ import annotations

import argparse
import difflib
import hashlib
import http.client
import json
import os
import re
import socket
import ssl
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from intents.cachefiles import write_atomic

from .yamledit import ConfigChange, YamlEditError, set_yaml_values

DEFAULT_BASE_URL = "https://huggingface.co"
BASE_URL_ENV = "HEARTH_MODELS_URL"
MANIFEST = ".hearth-model.json"  # written last: a folder without it is an unfinished pull
CONNECT_TIMEOUT = 5.0  # an offline machine must hear "no network" in seconds, not minutes
READ_TIMEOUT = 30.0
RETRIES = 3  # reconnections (each resuming where the last one stopped) before a pull gives up
CHUNK = 256 * 1024  # read1: whatever has arrived, up to this, so a stall loses nothing already received
USER_AGENT = "hearth-models/1"


class Kind(StrEnum):
    """What a model is for."""

    ASR = "asr"
    TTS = "tts"


@dataclass(frozen=True, slots=True)
class ModelFile:
    """One file of a model: its path in the host repository, size, and published SHA-256 if known."""

    path: str
    size: int
    sha256: str | None = None

    @property
    def name(self) -> str:
        """The file's name in the local model folder."""
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A downloadable model: a Hugging Face repository pinned to a revision, and its files."""

    name: str
    kind: Kind
    language: str
    repo: str
    revision: str
    files: tuple[ModelFile, ...]
    description: str

    @property
    def size(self) -> int:
        """Bytes to download."""
        return sum(f.size for f in self.files)

    def url(self, base_url: str, file: ModelFile) -> str:
        """Where `file` lives on the host (or a mirror with the same layout)."""
        return f"{base_url.rstrip('/')}/{self.repo}/resolve/{self.revision}/{file.path}"

    def config_target(self, folder: Path) -> Path:
        """What hearth.yaml points at: the folder of an ASR model, the .onnx file of a voice."""
        if self.kind is Kind.ASR:
            return folder
        return folder / next(f.name for f in self.files if f.name.endswith(".onnx"))


# Sizes and SHA-256 digests of every file (Hugging Face's LFS digest for each model.bin and .onnx), as
# pinned by several independent projects that agree with each other; they could not be re-fetched here,
# as the build machines have no network. Revisions are pinned commits or tags so the digests stay true.
# A catalogue entry without a digest (a custom mirror's file) is checked by size, and the SHA-256
# recorded at download lets `verify` notice later corruption.
_EN_TOKENIZER = ModelFile(
    "tokenizer.json", 2_128_466, "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df"
)
_EN_VOCABULARY = ModelFile(
    "vocabulary.txt", 422_309, "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf"
)
_ML_TOKENIZER = ModelFile(
    "tokenizer.json", 2_203_239, "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab"
)
_ML_VOCABULARY = ModelFile(
    "vocabulary.txt", 459_861, "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913"
)


def _whisper(name: str, rev: str, config: ModelFile, model: ModelFile, lang: str, about: str) -> ModelSpec:
    english = lang == "en"
    files = (
        config,
        model,
        _EN_TOKENIZER if english else _ML_TOKENIZER,
        _EN_VOCABULARY if english else _ML_VOCABULARY,
    )
    return ModelSpec(f"whisper-{name}", Kind.ASR, lang, f"Systran/faster-whisper-{name}", rev, files, about)


def _piper(key: str, onnx: tuple[int, str], config: tuple[int, str], about: str) -> ModelSpec:
    language, speaker, quality = key.split("-")
    folder = f"{language.split('_')[0]}/{language}/{speaker}/{quality}/{key}"
    files = (ModelFile(f"{folder}.onnx", *onnx), ModelFile(f"{folder}.onnx.json", *config))
    return ModelSpec(key, Kind.TTS, language, "rhasspy/piper-voices", "v1.0.0", files, about)


CATALOGUE: tuple[ModelSpec, ...] = (
    _whisper(
        "tiny.en",
        "0d3d19a32d3338f10357c0889762bd8d64bbdeba",
        ModelFile("config.json", 2_317, "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5"),
        ModelFile(
            "model.bin", 75_537_502, "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"
        ),
        "en",
        "faster-whisper tiny, English only: fastest, fine on a Pi 5",
    ),
    _whisper(
        "base.en",
        "3d3d5dee26484f91867d81cb899cfcf72b96be6c",
        ModelFile("config.json", 2_227, "f3bc3821e9fc76a27bae538e11ae5b677dcdd352b4600429ce7951d398569aeb"),
        ModelFile(
            "model.bin", 145_216_508, "2a166925539a16005f14ff328359f9b9adb9dc4fb631bb3b227526862e93e2ef"
        ),
        "en",
        "faster-whisper base, English only: more accurate, about 2x slower than tiny",
    ),
    _whisper(
        "small.en",
        "d1d751a5f8271d482d14ca55d9e2deeebbae577f",
        ModelFile("config.json", 2_657, "666a9605530ac1f61fa8177f3702b4dacec9966749e42610839fcc32661d5fae"),
        ModelFile(
            "model.bin", 483_545_366, "62b2a45b05ee59acb4a5341b33ee35e041395d378d418a18acfe4c9e768ee37a"
        ),
        "en",
        "faster-whisper small, English only: for a desktop-class CPU",
    ),
    _whisper(
        "tiny",
        "d90ca5fe260221311c53c58e660288d3deb8d356",
        ModelFile("config.json", 2_249, "a73a28cdfe1c43ccc7202fa333d1f89c202477271407ae9a7f19afa52039cac8"),
        ModelFile(
            "model.bin", 75_538_270, "dcb76c6586fc06cbdac6dd21f14cfd129cc4cdd9dce19bf4ffa62e59cbe6e6d1"
        ),
        "multi",
        "faster-whisper tiny, multilingual (99 languages)",
    ),
    _whisper(
        "base",
        "ebe41f70d5b6dfa9166e2c581c45c9c0cfc57b66",
        ModelFile("config.json", 2_309, "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"),
        ModelFile(
            "model.bin", 145_217_532, "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
        ),
        "multi",
        "faster-whisper base, multilingual (99 languages)",
    ),
    _piper(
        "en_US-lessac-medium",
        (63_201_294, "5efe09e69902187827af646e1a6e9d269dee769f9877d17b16b1b46eeaaf019f"),
        (4_885, "efe19c417bed055f2d69908248c6ba650fa135bc868b0e6abb3da181dab690a0"),
        "piper voice, US English, female, medium quality (22.05 kHz)",
    ),
    _piper(
        "en_GB-alan-medium",
        (63_201_294, "0a309668932205e762801f1efc2736cd4b0120329622adf62be09e56339d3330"),
        (4_888, "c0f0d124e5895c00e7c03b35dcc8287f319a6998a365b182deb5c8e752ee8c1e"),
        "piper voice, British English, male, medium quality (22.05 kHz)",
    ),
    _piper(
        "fr_FR-siwis-medium",
        (63_201_294, "641d1ab097da2b81128c076810edb052b385decc8be3381814802a64a73baf99"),
        (4_875, "39479916c2db192b5ac9764daddd0c744d83e023ad890c6976c0633ae4df8959"),
        "piper voice, French, female, medium quality (22.05 kHz)",
    ),
)


class ModelError(Exception):
    """A model cannot be listed, pulled or checked; `code` is stable, the message says what to do."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


class _Interrupted(Exception):
    """The connection dropped or stalled mid-file: worth resuming."""


def find_model(name: str, catalogue: tuple[ModelSpec, ...] = CATALOGUE) -> ModelSpec:
    """The catalogue entry called `name`, or a ModelError suggesting the closest names."""
    for spec in catalogue:
        if spec.name == name:
            return spec
    names = [spec.name for spec in catalogue]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    hint = f"did you mean {' or '.join(close)}?" if close else f"known models: {', '.join(names)}"
    raise ModelError(
        "model-unknown", f"no model called {name!r} ({hint}); `hearth models list` shows them all"
    )


def resolve_base_url(flag: str | None = None) -> str:
    """The host to download from: --base-url, else $HEARTH_MODELS_URL, else huggingface.co."""
    url = flag or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    if urlsplit(url).scheme not in ("http", "https"):
        raise ModelError("bad-base-url", f"{url!r} is not an http:// or https:// URL")
    return url.rstrip("/")


def human_size(size: float) -> str:
    """Bytes as a short human string (1.5 MiB)."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


# --- status and manifests --------------------------------------------------------------------------------


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest a finished pull wrote into `folder`, or None."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("files"), dict) else None


def model_state(spec: ModelSpec, models_dir: Path) -> str:
    """installed | partial | missing."""
    folder = models_dir / spec.name
    if read_manifest(folder) is not None:
        return "installed"
    return "partial" if folder.is_dir() and any(folder.iterdir()) else "missing"


# --- downloading ------------------------------------------------------------------------------------------

Progress = Callable[[str, int, int], None]  # (file name, bytes done, bytes total)


@dataclass(frozen=True, slots=True)
class PullOptions:
    """Where from and how patiently to download."""

    base_url: str = DEFAULT_BASE_URL
    connect_timeout: float = CONNECT_TIMEOUT
    read_timeout: float = READ_TIMEOUT
    retries: int = RETRIES


@dataclass(slots=True)
class PullResult:
    """What a pull did."""

    folder: Path
    downloaded: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # already there and intact
    replaced: list[str] = field(default_factory=list)  # already there but damaged: downloaded again


def _unreachable(host: str, reason: str) -> ModelError:
    return ModelError(
        "network-unreachable",
        f"cannot reach {host} ({reason}). Is this machine offline? Download from a mirror with "
        f"--base-url URL (or {BASE_URL_ENV}), or fetch the files elsewhere (`hearth models list --urls` "
        "shows them), copy them into the model's folder and run the same command again: files already "
        "there are checked and kept.",
    )


def _resolve(host: str, port: int, timeout: float) -> None:
    """Fail within `timeout` when name resolution hangs (it ignores socket timeouts)."""
    outcome: list[BaseException | None] = []

    def lookup() -> None:
        try:
            socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            outcome.append(None)
        except OSError as err:
            outcome.append(err)

    worker = threading.Thread(target=lookup, daemon=True)
    worker.start()
    worker.join(timeout)
    if not outcome:
        raise socket.gaierror(f"name lookup timed out after {timeout:g} s")
    if outcome[0] is not None:
        raise outcome[0]


class _Restart(_Interrupted):
    """The server cannot continue the partial file: it must be fetched from the first byte."""


def _proxied(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in urllib.request.getproxies() and not urllib.request.proxy_bypass(
        parts.hostname or ""
    )


def _reason(err: BaseException) -> str:
    if isinstance(err, TimeoutError):
        return "timed out"
    return (err.strerror if isinstance(err, OSError) else None) or str(err)


@contextmanager
def _get(url: str, offset: int, options: PullOptions) -> Iterator[http.client.HTTPResponse]:
    """GET `url` from byte `offset` (urllib: redirects and proxies); no connection -> network-unreachable."""
    parts = urlsplit(url)
    host = parts.hostname or url
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        if not _proxied(url):  # behind a proxy, the proxy resolves names
            _resolve(host, parts.port or (443 if parts.scheme == "https" else 80), options.connect_timeout)
        response = urllib.request.urlopen(
            urllib.request.Request(url, headers=headers), timeout=options.connect_timeout
        )
    except urllib.error.HTTPError as err:
        err.close()
        if err.code == 416:
            raise _Restart(f"HTTP 416 for bytes {offset}-") from err
        if err.code >= 500 or err.code == 429:
            raise _Interrupted(f"HTTP {err.code} {err.reason}") from err
        missing = " (the host or mirror does not have this file)" if err.code == 404 else ""
        raise ModelError("download-failed", f"{url}: HTTP {err.code} {err.reason}{missing}") from err
    except urllib.error.URLError as err:
        if isinstance(err.reason, ssl.SSLError):
            raise ModelError(
                "tls-failed", f"{host}: {err.reason} (is a proxy or antivirus intercepting HTTPS?)"
            ) from err
        raise _unreachable(
            host, _reason(err.reason) if isinstance(err.reason, BaseException) else str(err.reason)
        ) from err
    except OSError as err:
        if isinstance(err, socket.gaierror | ConnectionRefusedError):
            raise _unreachable(host, _reason(err)) from err
        raise _Interrupted(f"{host}: {_reason(err)}") from err  # connected, then no answer in time
    # urllib has one timeout for connecting and reading: short suits the connect (an offline machine learns
    # it at once), but a busy mirror may pause longer between two chunks.
    sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
    if isinstance(sock, socket.socket):
        sock.settimeout(options.read_timeout)
    with response:
        yield response


def _body_start(response: http.client.HTTPResponse, offset: int) -> int:
    """Where the response body starts in the file."""
    if response.status == 206:
        match = re.match(r"bytes (\d+)-", response.getheader("Content-Range") or "")
        if not match or int(match.group(1)) != offset:
            raise _Restart(f"asked for bytes {offset}-, got {response.getheader('Content-Range')}")
        return offset
    return 0  # 200: the server ignored the Range header and sends the whole file


@contextmanager
def _writer(part: Path, append: bool) -> Iterator[Callable[[bytes], object]]:
    """Write to the partial file; a local failure (disk full, no permission) is no network hiccup to retry."""

    def failed(err: OSError) -> ModelError:
        return ModelError("write-failed", f"cannot write {part}: {err.strerror or err}")

    try:
        out = part.open("ab" if append else "wb")
    except OSError as err:
        raise failed(err) from err
    with out:

        def write(block: bytes) -> object:
            try:
                return out.write(block)
            except OSError as err:
                raise failed(err) from err

        yield write


def _fetch_part(
    url: str, part: Path, file: ModelFile, options: PullOptions, progress: Progress | None
) -> None:
    """Bring `part` to the full size of `file`, resuming with HTTP Range after every interruption."""
    failures = 0  # in a row without a new byte: a slow but moving link is never given up on
    while True:
        offset = part.stat().st_size if part.exists() else 0
        if offset > file.size:
            part.unlink()
            offset = 0
        if offset == file.size:
            return
        done = offset
        try:
            with _get(url, offset, options) as response:
                done = _body_start(response, offset)
                with _writer(part, append=done > 0) as write:
                    while done <= file.size and (block := response.read1(CHUNK)):
                        write(block)
                        done += len(block)
                        if progress:
                            progress(file.name, min(done, file.size), file.size)
            if done > file.size:
                part.unlink()
                raise ModelError(
                    "size-mismatch",
                    f"{url}: more than the expected {file.size} bytes; the download was deleted",
                )
            if done < file.size:
                raise _Interrupted(f"the connection closed after {done} of {file.size} bytes")
        except (_Interrupted, OSError, http.client.HTTPException) as err:
            if isinstance(err, _Restart):
                part.unlink(missing_ok=True)
            failures = 1 if done > offset else failures + 1
            if failures > options.retries:
                kept = human_size(part.stat().st_size if part.exists() else 0)
                raise ModelError(
                    "download-interrupted",
                    f"{url}: {err}; the {kept} received so far are kept in {part}: "
                    "run the same command again to resume",
                ) from err
            time.sleep(min(0.2 * failures, 2.0))


def _check(path: Path, file: ModelFile, expected: str | None, what: str) -> str:
    """Compare a file's size and SHA-256 with what is expected; return the digest or raise."""
    size = path.stat().st_size
    if size != file.size:
        raise ModelError("size-mismatch", f"{what}: {size} bytes, expected {file.size}")
    digest = sha256_of(path)
    if expected is not None and digest != expected:
        raise ModelError(
            "checksum-mismatch", f"{what}: SHA-256 {digest} differs from the expected {expected}"
        )
    return digest


def pull(
    spec: ModelSpec, models_dir: Path, options: PullOptions | None = None, progress: Progress | None = None
) -> PullResult:
    """Download `spec` into models_dir/NAME, keeping intact files already there; verify; write a manifest."""
    options = options or PullOptions()
    folder = models_dir / spec.name
    folder.mkdir(parents=True, exist_ok=True)
    try:
        result = _pull_files(spec, folder, options, progress)
    except ModelError as err:
        if not any(folder.iterdir()):
            folder.rmdir()  # nothing arrived: leave no empty folder behind
        if err.code == "network-unreachable":
            raise ModelError(err.code, f"{err.message} The folder is {folder}.") from err
        raise
    return result


def _pull_files(spec: ModelSpec, folder: Path, options: PullOptions, progress: Progress | None) -> PullResult:
    result = PullResult(folder)
    previous = (read_manifest(folder) or {}).get("files", {})
    records: dict[str, dict[str, Any]] = {}
    for file in spec.files:
        final = folder / file.name
        entry = previous.get(file.name)
        expected = file.sha256 or (entry.get("sha256") if isinstance(entry, dict) else None)
        if final.is_file():
            try:
                records[file.name] = _record(file, _check(final, file, expected, str(final)))
                result.kept.append(file.name)
                continue
            except ModelError:
                final.unlink()  # damaged or not the catalogue's file: fetch it again
                result.replaced.append(file.name)
        part = final.with_name(final.name + ".part")
        url = spec.url(options.base_url, file)
        _fetch_part(url, part, file, options, progress)
        try:
            digest = _check(part, file, file.sha256, f"{file.name} from {url}")
        except ModelError as err:
            part.unlink(missing_ok=True)  # a wrong file must never be resumed or used
            raise ModelError(err.code, f"{err.message}; the download was deleted. {_MISMATCH_HINT}") from err
        os.replace(part, final)  # atomic: a model folder never holds half a file under its real name
        result.downloaded.append(file.name)
        records[file.name] = _record(file, digest)
    _write_manifest(folder, spec, options.base_url, records)
    return result


_MISMATCH_HINT = (
    "The host or mirror served different bytes than the catalogue records (a broken mirror, a proxy, or "
    "a changed upstream file); try again, or another --base-url."
)


def _record(file: ModelFile, digest: str) -> dict[str, Any]:
    return {"size": file.size, "sha256": digest, "published": file.sha256 is not None}


def _write_manifest(folder: Path, spec: ModelSpec, base_url: str, files: dict[str, dict[str, Any]]) -> None:
    manifest = {
        "name": spec.name,
        "kind": str(spec.kind),
        "language": spec.language,
        "source": f"{base_url}/{spec.repo}@{spec.revision}",
        "pulled": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "files": files,
    }
    write_atomic(folder / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())


# --- verification -----------------------------------------------------------------------------------------


@dataclass(slots=True)
class Verdict:
    """The outcome of checking one installed model."""

    name: str
    problems: list[str] = field(default_factory=list)
    published: int = 0  # files matched against a digest published by the host
    recorded: int = 0  # files matched against the digest recorded when they were downloaded

    @property
    def ok(self) -> bool:
        """Whether every file is intact."""
        return not self.problems


def verify_folder(folder: Path, catalogue: tuple[ModelSpec, ...] = CATALOGUE) -> Verdict:
    """Check every file named in a model folder's manifest by size and SHA-256."""
    verdict = Verdict(folder.name)
    manifest = read_manifest(folder)
    if manifest is None:
        verdict.problems.append(f"no readable {MANIFEST}: pull it again")
        return verdict
    published = {f.name: f.sha256 for s in catalogue if s.name == folder.name for f in s.files if f.sha256}
    for name, entry in sorted(manifest["files"].items()):
        path = folder / name
        expected = published.get(name) or (entry.get("sha256") if isinstance(entry, dict) else None)
        if not path.is_file():
            verdict.problems.append(f"{name}: missing")
            continue
        if not isinstance(entry, dict) or not isinstance(expected, str):
            verdict.problems.append(f"{name}: the manifest has no checksum for it")
            continue
        size, digest = path.stat().st_size, sha256_of(path)
        if size != entry.get("size") or digest != expected:
            verdict.problems.append(f"{name}: {size} bytes, SHA-256 {digest[:16]}… expected {expected[:16]}…")
        elif name in published:
            verdict.published += 1
        else:
            verdict.recorded += 1
    return verdict


def installed_folders(models_dir: Path) -> list[Path]:
    """Model folders under models_dir that a finished pull left a manifest in."""
    if not models_dir.is_dir():
        return []
    return sorted(p for p in models_dir.iterdir() if (p / MANIFEST).is_file())


# --- hearth.yaml ------------------------------------------------------------------------------------------


def set_config_values(path: Path, values: list[tuple[str, str, str]]) -> list[ConfigChange]:
    """Set (section, key, value) entries in hearth.yaml by editing its text: comments and layout survive."""
    try:
        return set_yaml_values(path, [((section, key), value) for section, key, value in values])
    except YamlEditError as err:
        raise ModelError("config-edit", str(err)) from err


def config_values(spec: ModelSpec, target: Path, config_dir: Path) -> list[tuple[str, str, str]]:
    """The hearth.yaml settings that make Hearth use a pulled model (paths relative to the config folder)."""
    try:
        shown = target.resolve().relative_to(config_dir.resolve()).as_posix()
    except ValueError:
        shown = str(target.resolve())
    if spec.kind is Kind.ASR:
        return [("asr", "engine", "faster-whisper"), ("asr", "model", shown)]
    return [("tts", "engine", "piper"), ("tts", "voice", shown)]


# --- the command line -------------------------------------------------------------------------------------


class ByteProgress:
    """A download progress bar on stderr (redrawn at most ten times a second; silent when not a terminal)."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.started = time.monotonic()
        self.drawn = 0.0
        self.current = ""

    def __call__(self, name: str, done: int, total: int) -> None:
        """Draw the bar for `name`."""
        now = time.monotonic()
        if name != self.current:
            self.current, self.started = name, now
        if not self.tty or (now - self.drawn < 0.1 and done < total):
            return
        self.drawn = now
        filled = int(30 * done / max(total, 1))
        rate = done / max(now - self.started, 1e-3)
        bar = f"[{'#' * filled}{'.' * (30 - filled)}]"
        line = f"\r  {name:<24} {bar} {human_size(done):>10} / {human_size(total):<10} {human_size(rate)}/s "
        self.stream.write(line + ("\n" if done >= total else ""))
        self.stream.flush()


def _models_dir(args: argparse.Namespace) -> Path:
    return (
        Path(args.dir).expanduser().resolve()
        if args.dir
        else Path(args.config).expanduser().resolve() / "models"
    )


def command(args: argparse.Namespace, catalogue: tuple[ModelSpec, ...] | None = None) -> int:
    """`hearth models list|pull NAME|verify`: print results, return the exit code."""
    catalogue = catalogue if catalogue is not None else CATALOGUE
    try:
        if args.action == "list":
            return _list(args, catalogue)
        if args.action == "verify":
            return _verify(args, catalogue)
        if not args.name:
            print("hearth: models pull needs a NAME (see `hearth models list`)", file=sys.stderr)
            return 2
        return _pull(args, find_model(args.name, catalogue))
    except ModelError as err:
        print(f"hearth: {err.message}", file=sys.stderr)
        return 2 if err.code in ("model-unknown", "bad-base-url") else 1
    except OSError as err:  # the models folder or hearth.yaml cannot be written
        print(f"hearth: {err}", file=sys.stderr)
        return 1


def _list(args: argparse.Namespace, catalogue: tuple[ModelSpec, ...]) -> int:
    models_dir = _models_dir(args)
    base = resolve_base_url(args.base_url)
    print(f"models folder: {models_dir}")
    print(f"{'NAME':<22} {'KIND':<4} {'LANG':<6} {'SIZE':>10}  {'STATE':<10} ABOUT")
    for spec in catalogue:
        state = model_state(spec, models_dir)
        size = human_size(spec.size)
        print(f"{spec.name:<22} {spec.kind:<4} {spec.language:<6} {size:>10}  {state:<10} {spec.description}")
        if args.urls:
            for file in spec.files:
                print(f"    {spec.url(base, file)}  -> {models_dir / spec.name / file.name}")
    return 0


def _pull(args: argparse.Namespace, spec: ModelSpec) -> int:
    models_dir = _models_dir(args)
    options = PullOptions(base_url=resolve_base_url(args.base_url))
    print(f"{spec.name}: {spec.description}, {human_size(spec.size)} from {options.base_url}/{spec.repo}")
    result = pull(spec, models_dir, options, ByteProgress())
    for name in result.downloaded:
        print(f"  downloaded {name}")
    for name in result.kept:
        print(f"  kept {name} (already there, checked)")
    for name in result.replaced:
        print(f"  replaced {name} (it was there but did not match)")
    print(f"{spec.name} is in {result.folder}")
    if args.no_config:
        return 0
    config_dir = Path(args.config).expanduser().resolve()
    hearth_yaml = config_dir / "hearth.yaml"
    values = config_values(spec, spec.config_target(result.folder), config_dir)
    wanted = ", ".join(f"{s}.{k}: {v}" for s, k, v in values)
    if spec.kind is Kind.TTS and not _importable("piper"):
        # tts.engine: piper without piper-tts would leave the hub unable to speak: ask for it first.
        print(f"piper-tts is not installed: pip install 'hearth[piper]' (GPL-3.0), then set {wanted}")
        print(f"(or run this command again: the files are kept and {hearth_yaml.name} is edited)")
        return 0
    if not hearth_yaml.is_file():
        print(f"note: no {hearth_yaml}; to use this model set {wanted}")
        return 0
    changes = set_config_values(hearth_yaml, values)
    for change in changes:
        old = change.old if change.old is not None else "(unset)"
        print(f"{hearth_yaml}: {change.key}: {old} -> {change.new}")
    if not changes:
        print(f"{hearth_yaml} already uses {spec.name}")
    return 0


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _verify(args: argparse.Namespace, catalogue: tuple[ModelSpec, ...]) -> int:
    models_dir = _models_dir(args)
    folders = installed_folders(models_dir)
    for spec in catalogue:
        if model_state(spec, models_dir) == "partial":
            print(f"{spec.name}: unfinished pull, not checked (`hearth models pull {spec.name}` finishes it)")
    if not folders:
        print(f"no models installed in {models_dir} (`hearth models pull NAME` installs one)")
        return 0
    failed = 0
    for folder in folders:
        verdict = verify_folder(folder, catalogue)
        if verdict.ok:
            basis = [f"{verdict.published} against the host's published SHA-256"] if verdict.published else []
            if verdict.recorded:
                basis.append(f"{verdict.recorded} against the SHA-256 recorded at download (none published)")
            print(f"{verdict.name}: OK ({'; '.join(basis)})")
            continue
        failed += 1
        print(f"{verdict.name}: FAILED")
        for problem in verdict.problems:
            print(f"  {problem}")
    if failed:
        plural = "s" if failed > 1 else ""
        print(f"{failed} model{plural} damaged: `hearth models pull NAME` downloads the bad files again")
    return 1 if failed else 0
