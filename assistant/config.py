"""Load and validate a config folder (hearth.yaml, devices.yaml, intents/*.yaml) into frozen settings."""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from devices.automations.model import AutomationSet
from devices.config import DevicesConfig, parse_devices
from devices.errors import DeviceConfigError
from intents.model import IntentDataError
from intents.recognizer import IntentData, IntentDocument, load_builtin, merge, parse_intent_document

from .automation_config import read_automations
from .llm.settings import LlmSettings, read_llm
from .speech.asr import DEFAULT_WAKE_WORDS, TRAILING_SILENCE_MS, AsrSettings, VadSettings
from .tts.engine import PIPER_VOICE_HINT, TTS_ENGINES, TtsSettings
from .yamlpos import ConfigError, ConfigProblem, DataPath, LocatedDocument, dotted, load_yaml

DEFAULT_PORT = 8765
MANAGED = "managed"
MANAGED_PORT = 18830  # not 1883, so a managed broker never collides with a system Mosquitto


@dataclass(frozen=True, slots=True)
class ClientSpec:
    """A client allowed to connect: its name, secret token, home area and the areas it may control."""

    name: str
    token: str = field(repr=False)
    area: str | None = None
    areas: frozenset[str] | None = None  # None: every area

    def may_control(self, area: str | None) -> bool:
        """Whether this client may act on a device placed in `area`."""
        return self.areas is None or area in self.areas


@dataclass(frozen=True, slots=True)
class TlsSettings:
    """Certificate and key files for wss:// and https://."""

    cert: Path
    key: Path


@dataclass(frozen=True, slots=True)
class HubSettings:
    """Where the hub listens and who may talk to it."""

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    clients: tuple[ClientSpec, ...] = ()
    tls: TlsSettings | None = None
    max_frame_bytes: int = 64 * 1024
    hello_timeout: float = 10.0

    @property
    def listen(self) -> str:
        """The listen address as written in hearth.yaml."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


@dataclass(frozen=True, slots=True)
class MqttSettings:
    """The broker to use: `managed` (the hub runs its own Mosquitto) or an mqtt:// URL."""

    managed: bool = True
    host: str = "127.0.0.1"
    port: int = 1883
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: bool = False
    client_id: str = "hearth-hub"
    confirm_timeout: float = 3.0


@dataclass(frozen=True, slots=True)
class ContextSettings:
    """How much conversation a session remembers."""

    turns: int = 5
    max_age: float = 300.0


@dataclass(frozen=True, slots=True)
class HearthConfig:
    """Everything the hub needs, validated."""

    directory: Path
    language: str
    hub: HubSettings
    mqtt: MqttSettings
    context: ContextSettings
    devices: DevicesConfig
    intents: IntentData
    intent_files: tuple[str, ...] = ()
    asr: AsrSettings = field(default_factory=AsrSettings)
    tts: TtsSettings = field(default_factory=TtsSettings)
    llm: LlmSettings | None = None  # an OpenAI-compatible model for what the local layers do not understand
    automations: AutomationSet = field(default_factory=AutomationSet)  # automations.yaml, and location


class _Checker:
    """Collects problems while reading one located document."""

    def __init__(self, doc: LocatedDocument) -> None:
        self.doc = doc
        self.problems: list[ConfigProblem] = []

    def add(self, path: DataPath, message: str) -> None:
        self.problems.append(self.doc.problem(path, message))

    def mapping(self, value: Any, path: DataPath, allowed: set[str]) -> dict[str, Any]:
        """Return `value` as a dict, reporting a wrong type and every unknown key."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.add(path, f"must be a mapping, not {type(value).__name__}")
            return {}
        for key in value:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
                hint = (
                    f" (did you mean {close[0]!r}?)"
                    if close
                    else f" (valid keys: {', '.join(sorted(allowed))})"
                )
                self.add((*path, str(key)), f"unknown key {key!r}{hint}")
        return value

    def typed(self, value: Any, path: DataPath, kind: type | tuple[type, ...], default: Any) -> Any:
        if value is None:
            return default
        if (
            isinstance(value, bool)
            and kind is not bool
            and bool not in (kind if isinstance(kind, tuple) else ())
        ):
            self.add(path, f"must be {_kind_name(kind)}, not a boolean")
            return default
        if not isinstance(value, kind):
            self.add(path, f"must be {_kind_name(kind)}, not {type(value).__name__}")
            return default
        return value

    def positive(self, value: Any, path: DataPath, default: float) -> float:
        number = self.typed(value, path, (int, float), default)
        if number <= 0:
            self.add(path, "must be greater than zero")
            return default
        return float(number)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {
        "str": "a string",
        "int": "an integer",
        "float": "a number",
        "bool": "true or false",
        "list": "a list",
    }
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(dict.fromkeys(names.get(k.__name__, k.__name__) for k in kinds))


def parse_listen(text: str) -> tuple[str, int]:
    """Split "host:port" (IPv6 in brackets) into host and port; raise ValueError when malformed."""
    host, sep, port_text = text.rpartition(":")
    if not sep or not port_text.isdigit():
        raise ValueError(f'{text!r} is not host:port, e.g. "127.0.0.1:{DEFAULT_PORT}"')
    host = host.strip("[]") or "127.0.0.1"
    port = int(port_text)
    if not 0 <= port <= 65535:
        raise ValueError(f"port {port} is out of range")
    return host, port


def _read_hub(c: _Checker, raw: Any, base: Path, area_ids: set[str] | None) -> HubSettings:
    path: DataPath = ("hub",)
    hub = c.mapping(raw, path, {"listen", "clients", "tls", "max_frame_bytes", "hello_timeout"})
    host, port = "127.0.0.1", DEFAULT_PORT
    listen = c.typed(hub.get("listen"), (*path, "listen"), str, None)
    if listen is not None:
        try:
            host, port = parse_listen(listen)
        except ValueError as err:
            c.add((*path, "listen"), str(err))
    tls = None
    if hub.get("tls") is not None:
        tls_raw = c.mapping(hub["tls"], (*path, "tls"), {"cert", "key"})
        files = {}
        for key in ("cert", "key"):
            name = c.typed(tls_raw.get(key), (*path, "tls", key), str, None)
            if name is None:
                c.add((*path, "tls"), f"missing key {key!r} (path to the PEM {key} file)")
                continue
            file = (base / name).resolve()
            if not file.is_file():
                c.add(
                    (*path, "tls", key), f"file {str(file)!r} does not exist (create one with `hearth certs`)"
                )
            files[key] = file
        if len(files) == 2:
            tls = TlsSettings(cert=files["cert"], key=files["key"])
    clients = _read_clients(c, hub.get("clients"), area_ids)
    max_frame = int(c.positive(hub.get("max_frame_bytes"), (*path, "max_frame_bytes"), 64 * 1024))
    hello_timeout = c.positive(hub.get("hello_timeout"), (*path, "hello_timeout"), 10.0)
    return HubSettings(host, port, clients, tls, max_frame, hello_timeout)


def _read_clients(c: _Checker, raw: Any, area_ids: set[str] | None) -> tuple[ClientSpec, ...]:
    path: DataPath = ("hub", "clients")
    items = c.typed(raw, path, list, [])
    if not items:
        c.add(path, "at least one client with a token is needed, e.g. - {name: kitchen, token: <secret>}")
    clients: list[ClientSpec] = []
    names: set[str] = set()
    tokens: set[str] = set()
    for index, item in enumerate(items):
        item_path = (*path, index)
        entry = c.mapping(item, item_path, {"name", "token", "area", "areas"})
        name = c.typed(entry.get("name"), (*item_path, "name"), str, "")
        token = c.typed(entry.get("token"), (*item_path, "token"), str, "")
        area = c.typed(entry.get("area"), (*item_path, "area"), str, None)
        if not name:
            c.add(item_path, "missing key 'name'")
        elif name in names:
            c.add((*item_path, "name"), f"duplicate client name {name!r}")
        if len(token) < 8 and isinstance(entry.get("token"), str | None):
            c.add((*item_path, "token"), "missing or too short: use at least 8 random characters")
        elif token in tokens:
            c.add((*item_path, "token"), "every client needs its own token")
        if area is not None and area_ids is not None and area not in area_ids:
            c.add(
                (*item_path, "area"),
                f"unknown area {area!r} (areas: {', '.join(sorted(area_ids)) or 'none'})",
            )
        names.add(name)
        tokens.add(token)
        areas = _client_areas(c, entry.get("areas"), (*item_path, "areas"), area_ids)
        clients.append(ClientSpec(name=name, token=token, area=area, areas=areas))
    return tuple(clients)


def _client_areas(c: _Checker, raw: Any, path: DataPath, area_ids: set[str] | None) -> frozenset[str] | None:
    """The `areas:` a client may control (absent: all of them); each must be an area of devices.yaml."""
    if raw is None:
        return None
    items = c.typed(raw, path, list, [])
    for index, item in enumerate(items):
        if not isinstance(item, str):
            c.add((*path, index), "must be an area id")
        elif area_ids is not None and item not in area_ids:
            c.add((*path, index), f"unknown area {item!r} (areas: {', '.join(sorted(area_ids)) or 'none'})")
    return frozenset(item for item in items if isinstance(item, str))


def _read_mqtt(c: _Checker, raw: Any) -> MqttSettings:
    path: DataPath = ("mqtt",)
    allowed = {"broker", "managed_port", "username", "password", "client_id", "confirm_timeout"}
    mqtt = c.mapping(raw, path, allowed)
    broker = c.typed(mqtt.get("broker"), (*path, "broker"), str, MANAGED)
    username = c.typed(mqtt.get("username"), (*path, "username"), str, None)
    password = c.typed(mqtt.get("password"), (*path, "password"), str, None)
    client_id = c.typed(mqtt.get("client_id"), (*path, "client_id"), str, "hearth-hub")
    timeout = c.positive(mqtt.get("confirm_timeout"), (*path, "confirm_timeout"), 3.0)
    managed_port = c.typed(mqtt.get("managed_port"), (*path, "managed_port"), int, MANAGED_PORT)
    if not 0 <= managed_port <= 65535:
        c.add((*path, "managed_port"), "must be a TCP port (0 picks a free one)")
        managed_port = MANAGED_PORT
    if broker == MANAGED:
        return MqttSettings(True, "127.0.0.1", managed_port, username, password, False, client_id, timeout)
    if "managed_port" in mqtt:
        c.add((*path, "managed_port"), "only used with broker: managed")
    url = urlsplit(broker)
    if url.scheme not in ("mqtt", "mqtts") or not url.hostname:
        c.add((*path, "broker"), f"{broker!r} is neither 'managed' nor a URL like mqtt://127.0.0.1:1883")
        return MqttSettings()
    if url.password:
        c.add(
            (*path, "broker"), "put the password in mqtt.password (e.g. !secret mqtt_password), not the URL"
        )
    try:
        port = url.port or (8883 if url.scheme == "mqtts" else 1883)
    except ValueError:
        c.add((*path, "broker"), f"{broker!r} has an invalid port")
        port = 1883
    return MqttSettings(
        False,
        url.hostname,
        port,
        username or url.username,
        password,
        url.scheme == "mqtts",
        client_id,
        timeout,
    )


def _read_context(c: _Checker, raw: Any) -> ContextSettings:
    ctx = c.mapping(raw, ("context",), {"turns", "max_age"})
    turns = c.typed(ctx.get("turns"), ("context", "turns"), int, 5)
    if not 1 <= turns <= 50:
        c.add(("context", "turns"), "must be between 1 and 50")
        turns = 5
    return ContextSettings(turns=turns, max_age=c.positive(ctx.get("max_age"), ("context", "max_age"), 300.0))


ASR_ENGINES = ("pocketsphinx", "faster-whisper", "none")
ASR_KEYS = {
    "engine", "model", "compute_type", "beam_size", "stream_interval_ms", "vad", "min_confidence",
    "wake_words", "adaptation",
}  # fmt: skip
VAD_KEYS = {"threshold", "trailing_silence", "max_seconds", "no_speech_seconds", "early_silence_ms"}


def _engine(
    c: _Checker, section: dict[str, Any], path: DataPath, engines: Sequence[str], default: str
) -> str:
    """The `engine` of a section: one of `engines`; an unknown one is reported and taken as "none"."""
    engine: str = c.typed(section.get("engine"), (*path, "engine"), str, default)
    if engine not in engines:
        c.add((*path, "engine"), f"unknown engine {engine!r} (engines: {', '.join(engines)})")
        return "none"
    return engine


def _read_asr(c: _Checker, raw: Any, base: Path, language: str) -> AsrSettings:
    path: DataPath = ("asr",)
    asr = c.mapping(raw, path, ASR_KEYS)
    engine = _engine(c, asr, path, ASR_ENGINES, "pocketsphinx")
    model = None
    model_text = c.typed(asr.get("model"), (*path, "model"), str, None)
    if model_text is not None:
        model = (base / Path(model_text).expanduser()).resolve()
        if not model.is_dir():
            c.add(
                (*path, "model"), f"{str(model)!r} is not a directory (put the path of the model folder here)"
            )
    elif engine == "faster-whisper":
        c.add(
            (*path, "model"),
            "faster-whisper needs a local CTranslate2 model folder (model.bin, config.json, tokenizer.json), "
            "e.g. a download of Systran/faster-whisper-tiny.en",
        )
    compute_type = c.typed(asr.get("compute_type"), (*path, "compute_type"), str, "int8")
    beam_size = c.typed(asr.get("beam_size"), (*path, "beam_size"), int, 1)
    if not 1 <= beam_size <= 10:
        c.add((*path, "beam_size"), "must be between 1 and 10")
        beam_size = 1
    interval = int(c.positive(asr.get("stream_interval_ms"), (*path, "stream_interval_ms"), 300))
    vad = _read_vad(c, asr.get("vad"), (*path, "vad"))
    floor = c.typed(asr.get("min_confidence"), (*path, "min_confidence"), (int, float), None)
    if floor is not None and not 0 <= floor <= 1:
        c.add((*path, "min_confidence"), "must be between 0 and 1 (0 acts on every transcript)")
        floor = None
    wake_words = _read_wake_words(c, asr.get("wake_words"), (*path, "wake_words"))
    adaptation = _read_adaptation(c, asr.get("adaptation"), (*path, "adaptation"), base, engine, model)
    return AsrSettings(
        engine, model, language, compute_type, beam_size, interval, vad, floor, wake_words, adaptation
    )


def _model_streams(model: Path | None) -> tuple[int, ...] | None:
    """The feature stream widths of the pocketsphinx model in use, when it can be read."""
    from .speech.adapt import model_streams

    try:
        if model is None:
            import pocketsphinx  # type: ignore[import-untyped]  # ships no type information

            model = Path(pocketsphinx.get_model_path()) / "en-us" / "en-us"
        return model_streams(model)
    except (ImportError, OSError, ValueError):
        return None  # the engine reports a model it cannot load


def _read_adaptation(
    c: _Checker, raw: Any, path: DataPath, base: Path, engine: str, model: Path | None
) -> Path | None:
    from .speech.adapt import check_transform

    text = c.typed(raw, path, str, None)
    if text is None:
        return None
    if engine != "pocketsphinx":
        c.add(path, "only the pocketsphinx engine can use a voice adaptation; remove it or set asr.engine")
        return None
    file = (base / Path(text).expanduser()).resolve()
    if file.is_dir():
        file = file / "mllr_matrix"
    if not file.is_file():
        c.add(path, f"{str(file)!r} does not exist: make one with `hearth adapt`, or remove the key")
        return None
    try:
        check_transform(file, _model_streams(model))
    except ValueError as err:
        c.add(path, f"{str(file)!r} cannot be used: {err}")
        return None
    return file


MAX_WAKE_WORDS = 4  # words in one wake phrase ("hey hearth", "okay smart home")


def _read_wake_words(c: _Checker, raw: Any, path: DataPath) -> tuple[str, ...]:
    if raw is None:
        return DEFAULT_WAKE_WORDS
    phrases = raw if isinstance(raw, list) else None
    if phrases is None or not all(
        isinstance(p, str) and 0 < len(p.split()) <= MAX_WAKE_WORDS for p in phrases
    ):
        c.add(
            path, f"must be a list of phrases of 1 to {MAX_WAKE_WORDS} words, e.g. [hey hearth, hey jarvis]"
        )
        return DEFAULT_WAKE_WORDS
    return tuple(dict.fromkeys(" ".join(p.lower().split()) for p in phrases))


def _read_vad(c: _Checker, raw: Any, path: DataPath) -> VadSettings:
    vad = c.mapping(raw, path, VAD_KEYS)
    threshold = c.typed(vad.get("threshold"), (*path, "threshold"), (int, float), 0.5)
    if not 0.05 <= threshold <= 0.95:
        c.add((*path, "threshold"), "must be between 0.05 and 0.95 (speech probability)")
        threshold = 0.5
    trailing = c.typed(vad.get("trailing_silence"), (*path, "trailing_silence"), str, "default")
    if trailing not in TRAILING_SILENCE_MS:
        c.add((*path, "trailing_silence"), f"must be one of {', '.join(TRAILING_SILENCE_MS)}")
        trailing = "default"
    max_seconds = c.positive(vad.get("max_seconds"), (*path, "max_seconds"), 15.0)
    if max_seconds > 60:
        c.add((*path, "max_seconds"), "at most 60 seconds: a longer utterance is not a home command")
        max_seconds = 15.0
    no_speech = c.positive(vad.get("no_speech_seconds"), (*path, "no_speech_seconds"), 8.0)
    early = int(c.positive(vad.get("early_silence_ms"), (*path, "early_silence_ms"), 200))
    return VadSettings(float(threshold), trailing, max_seconds, no_speech, early)


TTS_KEYS = {"engine", "voice", "speed", "cache_mb", "prewarm"}


def _read_tts(c: _Checker, raw: Any, base: Path) -> TtsSettings:
    path: DataPath = ("tts",)
    tts = c.mapping(raw, path, TTS_KEYS)
    engine = _engine(c, tts, path, TTS_ENGINES, "none")
    voice = c.typed(tts.get("voice"), (*path, "voice"), str, None)
    if engine == "piper":
        voice = _piper_voice(c, voice, base)
    speed = c.positive(tts.get("speed"), (*path, "speed"), 1.0)
    if not 0.25 <= speed <= 4:
        c.add((*path, "speed"), "must be between 0.25 and 4 (1 is the voice's own pace)")
        speed = 1.0
    cache_mb = c.typed(tts.get("cache_mb"), (*path, "cache_mb"), int, 64)
    if cache_mb < 0:
        c.add((*path, "cache_mb"), "must be 0 (no cache) or more megabytes")
        cache_mb = 64
    prewarm = c.typed(tts.get("prewarm"), (*path, "prewarm"), int, 32)
    if prewarm < 0:
        c.add((*path, "prewarm"), "must be 0 (off) or a number of replies")
        prewarm = 32
    return TtsSettings(engine, voice, speed, cache_mb, prewarm)


def _piper_voice(c: _Checker, voice: str | None, base: Path) -> str | None:
    """The absolute path of a piper voice, reporting a missing key, file or .onnx.json at its line."""
    key: DataPath = ("tts", "voice")
    if voice is None:
        c.add(("tts",), f"missing key 'voice': piper needs {PIPER_VOICE_HINT}")
        return None
    model = (base / Path(voice).expanduser()).resolve()
    if not model.is_file():
        c.add(key, f"{str(model)!r} is not a file; put {PIPER_VOICE_HINT} here")
    elif not model.with_name(model.name + ".json").is_file():
        c.add(key, f"{str(model) + '.json'!r} is missing: a piper voice needs its .onnx.json beside it")
    return str(model)


def _load_secrets(directory: Path) -> dict[str, str]:
    path = directory / "secrets.yaml"
    if not path.exists():
        return {}
    doc = load_yaml(path)
    if doc.data is None:
        return {}
    if not isinstance(doc.data, dict):
        raise ConfigError([doc.problem((), "must be a mapping of name: value")])
    return {str(k): str(v) for k, v in doc.data.items()}


def load_devices(directory: Path) -> tuple[DevicesConfig, list[ConfigProblem]]:
    """Read devices.yaml; returns the config (empty on errors) and its problems."""
    doc = load_yaml(directory / "devices.yaml")
    try:
        return parse_devices(doc.data), []
    except DeviceConfigError as err:
        # Keep what did validate so hearth.yaml's references to areas are not reported as errors too.
        partial = err.partial or DevicesConfig(areas=(), devices=())
        return partial, [doc.problem(path, message) for path, message in err.problems]


def _load_intents(directory: Path, language: str) -> tuple[IntentData, tuple[str, ...], list[ConfigProblem]]:
    documents: list[IntentDocument] = [load_builtin(language)]
    located: dict[str, LocatedDocument] = {}
    problems: list[ConfigProblem] = []
    folder = directory / "intents"
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        doc = load_yaml(path)
        try:
            documents.append(parse_intent_document(doc.data, source=str(path)))
        except IntentDataError as err:
            problems.extend(doc.problem(p.path, p.message) for p in err.problems)
            continue
        located[str(path)] = doc
    try:
        data = merge(*documents)
    except IntentDataError as err:
        # Cross-file checks (unknown lists or rules, cycles) name the file they found the problem in.
        for problem in err.problems:
            source, _, message = problem.message.partition(": ")
            origin = located.get(source)
            if origin is None:
                problems.append(ConfigProblem("built-in intents", 0, dotted(problem.path), problem.message))
            else:
                problems.append(origin.problem(problem.path, message))
        data = merge(documents[0])
    return data, tuple(located), problems


def load_config(directory: str | Path) -> HearthConfig:
    """Load and validate a config folder; raise ConfigError listing every problem found."""
    base = Path(directory).expanduser().resolve()
    if not base.is_dir():
        raise ConfigError([ConfigProblem(str(base), 0, "", "config folder does not exist")])
    problems: list[ConfigProblem] = []
    secrets = _load_secrets(base)
    doc = load_yaml(base / "hearth.yaml", secrets.get)
    c = _Checker(doc)
    root = c.mapping(doc.data, (), {"language", "hub", "mqtt", "context", "asr", "tts", "llm", "location"})
    language = c.typed(root.get("language"), ("language",), str, "en")
    try:
        devices, device_problems = load_devices(base)
    except ConfigError as err:  # devices.yaml missing or not YAML at all
        devices, device_problems = DevicesConfig(areas=(), devices=()), err.problems
    problems.extend(device_problems)
    # When devices.yaml could not be read at all, its areas are unknown: do not report every client's area.
    area_ids = {area.id for area in devices.areas} if devices.areas or not device_problems else None
    hub = _read_hub(c, root.get("hub"), base, area_ids)
    mqtt = _read_mqtt(c, root.get("mqtt"))
    context = _read_context(c, root.get("context"))
    asr = _read_asr(c, root.get("asr"), base, language)
    tts = _read_tts(c, root.get("tts"), base)
    llm = read_llm(c, root.get("llm"))
    try:
        intents, files, intent_problems = _load_intents(base, language)
    except (ValueError, KeyError) as err:
        c.add(("language",), f"no built-in intents for language {language!r}: {err}")
        intents, files, intent_problems = merge(), (), []
    # Automations name devices: with a broken devices.yaml they are not checked (no cascade of errors).
    location = root.get("location")
    automations, automation_problems = read_automations(doc, location, devices, hub, device_problems)
    problems = c.problems + problems + intent_problems + automation_problems
    if problems:
        raise ConfigError(problems)
    return HearthConfig(
        base, language, hub, mqtt, context, devices, intents, files, asr, tts, llm, automations=automations
    )


def is_loopback(host: str) -> bool:
    """Whether a listen host only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
