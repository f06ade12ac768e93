"""The satellite: its sans-I/O core, file mode over wss:// against a real hub, broker and simulator,
reconnecting after a hub restart, and clear failures on bad input."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import subprocess
import sys
import wave
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from assistant.cli import main
from assistant.config import load_config
from assistant.hub import Hub
from assistant.satellite import (
    Backoff,
    Fatal,
    Identity,
    PlayAudio,
    PlayEnd,
    PlayStart,
    Ready,
    Reconnect,
    SatelliteCore,
    SendAudio,
    SendJson,
    StartCapture,
    StopCapture,
    TurnEnded,
)
from assistant.satellite_audio import (
    AudioDeviceError,
    DeviceMicrophone,
    DevicePlayer,
    WavCollector,
    WavInput,
    load_sounddevice,
)
from assistant.satellite_io import Mode, Satellite, SatelliteOptions
from assistant.speech.corpus import synthesize
from devices.mqtt import MqttClient
from devices.simulator import DeviceSimulator
from tests.assistant.conftest import KITCHEN_TOKEN, commands, make_home, nothing_published, running_hub
from tests.mqtt_recorder import Recorder
from tests.speech.conftest import require_speech_tools

ROOT = Path(__file__).resolve().parents[2]

# ---- the core -----------------------------------------------------------------------------------------


def core(initial: float = 0.5, cap: float = 30.0) -> SatelliteCore:
    return SatelliteCore(Identity("secret-token", "pi", "kitchen"), Backoff(initial, cap=cap, jitter=0.0))


def welcomed() -> SatelliteCore:
    sat = core()
    sat.connected()
    assert isinstance(sat.on_text('{"type":"welcome","session":"s","client":"pi"}')[-1], Ready)
    return sat


def event(kind: str, **fields: object) -> str:
    return json.dumps({"type": kind, **fields})


def test_hello_asks_for_spoken_replies() -> None:
    [hello] = core().connected()
    assert hello == SendJson(
        {
            "type": "hello",
            "token": "secret-token",
            "client": "pi",
            "protocol": 1,
            "tts": True,
            "area": "kitchen",
        }
    )


def test_a_turn_streams_until_the_hub_hears_the_end_then_plays_the_reply() -> None:
    sat = core()
    assert sat.start_turn() == []  # not welcomed yet
    sat = welcomed()
    run, capture = sat.start_turn()
    assert run == SendJson(
        {"type": "run", "id": "turn-1", "audio": {"rate": 16000, "width": 2, "channels": 1}}
    )
    assert capture == StartCapture("turn-1")
    assert sat.start_turn() == []  # one turn at a time
    assert sat.audio(b"\x01\x00") == [SendAudio(b"\x01\x00")]
    sat.on_text(event("run-start", id="turn-1"))
    assert sat.on_text(event("vad-end", id="turn-1")) == [
        StopCapture(),
        SendJson({"type": "audio-end", "id": "turn-1"}),
    ]
    assert sat.audio(b"\x01\x00") == []  # nothing more after the hub's VAD ended the utterance
    assert sat.on_text(event("tts-start", id="turn-1", format="pcm16", rate=22050)) == [PlayStart(22050, 1)]
    assert sat.on_binary(b"\x02\x00") == [PlayAudio(b"\x02\x00")]
    assert sat.on_text(event("tts-end", id="turn-1")) == [PlayEnd()]
    *_shown, ended = sat.on_text(event("run-end", id="turn-1", ok=True, timings={}))
    assert ended == TurnEnded(True, None) and sat.run_id is None
    assert sat.start_turn()[0] == SendJson(
        {"type": "run", "id": "turn-2", "audio": {"rate": 16000, "width": 2, "channels": 1}}
    )


def test_enter_again_ends_the_utterance() -> None:
    sat = welcomed()
    sat.start_turn()
    assert sat.end_audio() == [StopCapture(), SendJson({"type": "audio-end", "id": "turn-1"})]
    assert sat.end_audio() == []


def test_a_refused_turn_ends_without_a_run_end() -> None:
    sat = welcomed()
    sat.start_turn()
    decisions = sat.on_text(event("error", id="turn-1", code="busy", message="too many runs"))
    assert decisions[-1] == TurnEnded(False, "busy") and not sat.streaming


def test_backoff_doubles_up_to_the_cap_and_resets_on_welcome() -> None:
    sat = core(initial=0.5, cap=8.0)
    delays = []
    for _ in range(7):
        delays += [d.delay for d in sat.disconnected("refused") if isinstance(d, Reconnect)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    sat.connected()
    sat.on_text(event("welcome", session="s", client="pi"))
    assert [d for d in sat.disconnected() if isinstance(d, Reconnect)] == [Reconnect(0.5)]


def test_jitter_stays_within_its_fraction() -> None:
    backoff = Backoff(initial=10.0, cap=100.0, jitter=0.1)
    assert all(9.0 <= backoff.next_delay() / (2**i) <= 11.0 for i in range(3))


def test_unauthorized_is_fatal_and_never_retried() -> None:
    sat = core()
    sat.connected()
    decisions = sat.on_text(event("error", code="unauthorized", message="unknown token"))
    assert decisions == [Fatal("unauthorized", "unknown token")]
    assert sat.disconnected() == []


def test_a_lost_connection_ends_the_turn() -> None:
    sat = welcomed()
    sat.start_turn()
    decisions = sat.disconnected("reset")
    assert decisions[:2] == [StopCapture(), TurnEnded(False, "connection-lost")]
    assert isinstance(decisions[-1], Reconnect)


# ---- against a real hub -------------------------------------------------------------------------------


@dataclass
class Home:
    """A hub with TLS (from `hearth certs`), the device simulator and the test broker."""

    hub: Hub
    config: Path

    @property
    def url(self) -> str:
        return f"wss://localhost:{self.hub.port}/ws"

    @property
    def ca(self) -> Path:
        return self.config / "certs" / "ca.pem"


@pytest.fixture
async def tls_home(tmp_path: Path, mosquitto: tuple[str, int], recorder: Recorder) -> AsyncIterator[Home]:
    config = make_home(tmp_path, mosquitto)
    assert main(["certs", "--config", str(config), "--name", "localhost"]) == 0
    async with running_hub(load_config(config), mosquitto, recorder) as hub:
        yield Home(hub, config)


@pytest.fixture(scope="module")
def kitchen_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ "turn off the kitchen light" spoken by espeak-ng, as a 16 kHz mono wav (its "off" scores clear of
    "on"; "turn on ..." sits near the confidence floor and failed under load)."""
    require_speech_tools()
    folder = tmp_path_factory.mktemp("satellite-speech")
    wav = folder / "kitchen.wav"
    write_wav(wav, synthesize("turn off the kitchen light", cache_dir=folder), 16000)
    return wav


def write_wav(path: Path, pcm: bytes, rate: int, channels: int = 1) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)


def file_satellite(url: str, wav: Path, token: str = KITCHEN_TOKEN, **options: object) -> Satellite:
    source = WavInput(wav)
    identity = Identity(token, "test-pi", "kitchen", True, source.rate, source.channels)
    settings = SatelliteOptions(url=url, mode=Mode.FILE, input=source, realtime=False, out=io.StringIO())
    for key, value in options.items():
        setattr(settings, key, value)
    return Satellite(SatelliteCore(identity), settings)


def kitchen_light_commands(recorder: Recorder) -> list[str]:
    return [m.topic for m in commands(recorder, expect=1, within=3.0) if "kitchen" in m.topic]


async def test_file_mode_over_wss_switches_the_light_and_writes_the_reply(
    tls_home: Home, recorder: Recorder, kitchen_wav: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    import ssl

    output = tmp_path / "reply.wav"
    tls = ssl.create_default_context(cafile=str(tls_home.ca))
    satellite = file_satellite(tls_home.url, kitchen_wav, tls=tls, output=output)

    assert await asyncio.wait_for(satellite.run(), 30) == 0

    printed = satellite.options.out.getvalue()  # type: ignore[attr-defined]
    assert kitchen_light_commands(recorder), printed
    assert "heard      turn off the kitchen light" in printed and "reply" in printed
    with wave.open(str(output), "rb") as reply:
        assert reply.getframerate() == 22050  # espeak-ng's rate, as tts-start said
        assert reply.getnchannels() == 1 and reply.getnframes() > 22050 // 4
    sent = [r.getMessage() for r in caplog.records if r.name == "hearth.satellite.ws"]
    assert any("hello" in line for line in sent)
    assert KITCHEN_TOKEN not in caplog.text


async def test_file_mode_fails_when_the_hub_did_nothing(
    tls_home: Home, recorder: Recorder, tmp_path: Path
) -> None:
    """Speech outside the home's sentences ends "ok" with stt-unsure: a script must see that as failure."""
    import ssl

    require_speech_tools()
    wav = tmp_path / "weather.wav"
    write_wav(wav, synthesize("the quick brown fox jumps over the lazy dog", cache_dir=tmp_path), 16000)
    tls = ssl.create_default_context(cafile=str(tls_home.ca))
    satellite = file_satellite(tls_home.url, wav, tls=tls, output=tmp_path / "reply.wav")

    assert await asyncio.wait_for(satellite.run(), 30) == 1
    assert nothing_published(recorder)
    assert (tmp_path / "reply.wav").exists()  # the spoken "didn't catch that" still comes back


async def test_the_command_line_satellite_end_to_end(
    tls_home: Home, recorder: Recorder, kitchen_wav: Path, tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(KITCHEN_TOKEN + "\n")
    token_file.chmod(0o600)
    output = tmp_path / "out.wav"
    argv = ["--url", tls_home.url, "--token-file", str(token_file), "--ca", str(tls_home.ca)]
    argv += ["--area", "kitchen", "--input", str(kitchen_wav), "--output", str(output)]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "assistant.cli", "satellite", *argv,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)

    assert process.returncode == 0, stderr.decode()
    assert kitchen_light_commands(recorder)
    assert "action     kitchen_light" in stdout.decode()
    assert output.stat().st_size > 1000


async def test_a_hub_without_a_trusted_certificate_is_refused(
    tls_home: Home, kitchen_wav: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    satellite = file_satellite(tls_home.url, kitchen_wav)  # the system's CAs only
    assert await asyncio.wait_for(satellite.run(), 10) == 2
    assert "--ca" in capsys.readouterr().err


async def test_a_bad_token_stops_at_once_even_in_live_mode(
    tls_home: Home, kitchen_wav: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import ssl

    tls = ssl.create_default_context(cafile=str(tls_home.ca))
    satellite = file_satellite(tls_home.url, kitchen_wav, token="not-the-token", tls=tls)
    satellite.options.mode = Mode.PUSH_TO_TALK  # the mode that would otherwise reconnect forever
    assert await asyncio.wait_for(satellite.run(), 10) == 2
    err = capsys.readouterr().err
    assert "unauthorized" in err and "not-the-token" not in err


async def test_file_mode_without_a_hub_fails_fast(
    kitchen_wav: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    satellite = file_satellite("ws://127.0.0.1:9/ws", kitchen_wav)
    assert await asyncio.wait_for(satellite.run(), 10) == 1
    assert "no answer from the hub" in capsys.readouterr().err


# ---- reconnecting -------------------------------------------------------------------------------------


class FakeMicrophone:
    """Silence until a turn starts; then the clip, then silence (like a person speaking once)."""

    def __init__(self, pcm: bytes) -> None:
        self.clip = pcm + bytes(32000)
        self.pending = b""
        self.opened = False

    async def open(self) -> None:
        self.opened = True

    async def frames(self) -> AsyncIterator[bytes]:
        while True:
            await asyncio.sleep(0.005)
            frame, self.pending = (
                (self.pending[:640], self.pending[640:]) if self.pending else (bytes(640), b"")
            )
            yield frame

    def flush(self) -> None:
        self.pending = self.clip

    def close(self) -> None:
        self.opened = False


class KeyPresses:
    """Enter presses a test makes; each connection iterates afresh, like the keyboard reader."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[str] = asyncio.Queue()

    async def __aiter__(self) -> AsyncIterator[str]:
        while True:
            yield await self.queue.get()


async def start_hub(config: Path) -> Hub:
    hub = Hub(load_config(config))
    await hub.start()
    return hub


async def wait_for(condition: Callable[[], bool], within: float = 15.0) -> None:
    """Poll a condition the satellite's state or printout will meet (no event to wait on from outside)."""
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_the_satellite_reconnects_after_a_hub_restart_and_still_works(
    tmp_path: Path, mosquitto: tuple[str, int], recorder: Recorder
) -> None:
    require_speech_tools()
    config = make_home(tmp_path, mosquitto)
    settings = load_config(config)
    sim_mqtt = MqttClient(*mosquitto, client_id=f"sim-{tmp_path.name}")
    await sim_mqtt.start()
    simulator = DeviceSimulator(settings.devices, sim_mqtt)
    await simulator.start()
    hub = await start_hub(config)
    port = hub.port
    hearth = config / "hearth.yaml"
    hearth.write_text(hearth.read_text().replace('"127.0.0.1:0"', f'"127.0.0.1:{port}"'))

    keys = KeyPresses()

    identity = Identity(KITCHEN_TOKEN, "test-pi", "kitchen")
    sat_core = SatelliteCore(identity, Backoff(initial=0.05, cap=0.4, jitter=0.0))
    options = SatelliteOptions(url=f"ws://127.0.0.1:{port}/ws", mode=Mode.PUSH_TO_TALK, out=io.StringIO())
    microphone = FakeMicrophone(synthesize("turn off the kitchen light", cache_dir=tmp_path))
    satellite = Satellite(sat_core, options, microphone=microphone, player=WavCollector(), keys=keys)
    running = asyncio.create_task(satellite.run())
    try:
        await wait_for(lambda: sat_core.welcomes == 1)
        await hub.stop()
        await wait_for(lambda: "reconnecting" in options.out.getvalue())  # type: ignore[attr-defined]
        await asyncio.sleep(0.5)  # a few failed attempts while the hub is down
        hub = await start_hub(config)
        await wait_for(lambda: sat_core.welcomes == 2)
        recorder.clear()

        keys.queue.put_nowait("\n")  # push to talk, on the new connection
        await wait_for(lambda: "run-end" in options.out.getvalue())  # type: ignore[attr-defined]
        assert kitchen_light_commands(recorder), options.out.getvalue()  # type: ignore[attr-defined]
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await hub.stop()
        await simulator.stop()
        await sim_mqtt.stop()
    assert not microphone.opened  # closed on the way out


# What `sounddevice` offers, played by a thread like PortAudio's: the microphone speaks `speech` when it has
# some (else silence) and the speaker keeps what it was given.
FAKE_SOUNDDEVICE = """
import threading, time
speech = bytearray()
played = []  # (rate, channels, bytes) per output stream

class RawInputStream:
    def __init__(self, samplerate, channels, dtype, blocksize, device, callback):
        assert (samplerate, channels, dtype) == (16000, 1, "int16")
        self.size, self.callback, self.running = blocksize * 2, callback, False

    def start(self):
        self.running = True
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while self.running:
            chunk = bytes(speech[: self.size]).ljust(self.size, b"\\0")
            del speech[: self.size]
            self.callback(chunk, self.size // 2, None, None)
            time.sleep(0.005)

    def close(self):
        self.running = False

class RawOutputStream:
    def __init__(self, samplerate, channels, dtype, device):
        self.record = [samplerate, channels, b""]
        played.append(self.record)

    def start(self): pass
    def write(self, data): self.record[2] += bytes(data)
    def stop(self): pass
    def abort(self): pass
    def close(self): pass
"""


def stand_in_sounddevice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str) -> Any:
    """Import `source` as the sounddevice module, as the satellite's audio code loads it."""
    (tmp_path / "sounddevice.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    return load_sounddevice()


async def test_microphone_and_speaker_through_sounddevice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mosquitto: tuple[str, int], recorder: Recorder
) -> None:
    require_speech_tools()
    fake = stand_in_sounddevice(tmp_path, monkeypatch, FAKE_SOUNDDEVICE)
    config = make_home(tmp_path, mosquitto)
    hearth = config / "hearth.yaml"
    hearth.write_text(hearth.read_text().replace("confirm_timeout: 0.6", "confirm_timeout: 0.2"))
    hub = await start_hub(config)
    keys = KeyPresses()
    options = SatelliteOptions(url=f"ws://127.0.0.1:{hub.port}/ws", mode=Mode.PUSH_TO_TALK, out=io.StringIO())
    core = SatelliteCore(Identity(KITCHEN_TOKEN, "test-pi", "kitchen"))
    satellite = Satellite(core, options, microphone=DeviceMicrophone(), player=DevicePlayer(), keys=keys)
    running = asyncio.create_task(satellite.run())
    printed = options.out.getvalue  # type: ignore[attr-defined]
    try:
        await wait_for(lambda: core.welcomes == 1)
        keys.queue.put_nowait("\n")
        await wait_for(lambda: "listening" in printed())
        fake.speech.extend(synthesize("turn off the kitchen light", cache_dir=tmp_path))
        await wait_for(lambda: "run-end" in printed())
        await wait_for(lambda: bool(fake.played) and len(fake.played[-1][2]) > 1000)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await hub.stop()
    assert "heard      turn off the kitchen light" in printed()
    assert kitchen_light_commands(recorder)
    rate, channels, _audio = fake.played[-1]
    assert (rate, channels) == (22050, 1)


async def test_continuous_mode_listens_again_after_the_reply_played(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mosquitto: tuple[str, int], recorder: Recorder
) -> None:
    require_speech_tools()
    fake = stand_in_sounddevice(tmp_path, monkeypatch, FAKE_SOUNDDEVICE)
    hub = await start_hub(make_home(tmp_path, mosquitto))
    options = SatelliteOptions(url=f"ws://127.0.0.1:{hub.port}/ws", mode=Mode.CONTINUOUS, out=io.StringIO())
    core = SatelliteCore(Identity(KITCHEN_TOKEN, "test-pi", "kitchen"))
    satellite = Satellite(core, options, microphone=DeviceMicrophone(), player=DevicePlayer())
    running = asyncio.create_task(satellite.run())
    printed = options.out.getvalue  # type: ignore[attr-defined]
    try:
        await wait_for(lambda: "listening" in printed())  # no key: the first turn starts by itself
        fake.speech.extend(synthesize("what time is it", cache_dir=tmp_path))
        await wait_for(lambda: printed().count("listening") == 2)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await hub.stop()
    first_turn = printed().split("listening")[1]
    assert "heard      what time is it" in first_turn and "run-end    ok" in first_turn
    assert fake.played and len(fake.played[0][2]) > 1000  # the reply played before listening again


def test_any_rate_and_stereo_go_to_the_hub_as_they_are(kitchen_wav: Path, tmp_path: Path) -> None:
    stereo = tmp_path / "stereo.wav"
    subprocess.run(["sox", "-D", str(kitchen_wav), "-r", "22050", "-c", "2", str(stereo)], check=True)
    source = WavInput(stereo)
    sat = SatelliteCore(Identity("t" * 10, "pi", None, True, source.rate, source.channels))
    sat.connected()
    sat.on_text(event("welcome", session="s", client="pi"))
    assert sat.start_turn()[0] == SendJson(
        {"type": "run", "id": "turn-1", "audio": {"rate": 22050, "width": 2, "channels": 2}}
    )


# ---- bad input ----------------------------------------------------------------------------------------


def test_missing_and_non_wav_inputs_are_clear_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["satellite", "--token", "x" * 10]
    assert main([*base, "--input", str(tmp_path / "nope.wav")]) == 2
    assert "nope.wav: no such file" in capsys.readouterr().err
    text = tmp_path / "notes.wav"
    text.write_text("not audio")
    assert main([*base, "--input", str(text)]) == 2
    assert "not a readable PCM wav file" in capsys.readouterr().err
    empty = tmp_path / "empty.wav"
    write_wav(empty, b"", 16000)
    assert main([*base, "--input", str(empty)]) == 2
    assert "no audio" in capsys.readouterr().err


def test_options_that_do_not_fit_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HEARTH_TOKEN", raising=False)
    assert main(["satellite", "--output", "x.wav", "--token", "x" * 10]) == 2
    assert "--input" in capsys.readouterr().err
    assert main(["satellite"]) == 2
    assert "--token-file" in capsys.readouterr().err
    assert main(["satellite", "--token-file", str(tmp_path / "none")]) == 2
    assert "cannot read the token file" in capsys.readouterr().err
    monkeypatch.setenv("HEARTH_TOKEN", "x" * 10)
    assert main(["satellite", "--url", "wss://hub:8765/ws", "--ca", str(tmp_path / "ca.pem")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["satellite", "--url", "http://hub/ws"]) == 2
    assert "not a hub URL" in capsys.readouterr().err


def test_missing_portaudio_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What importing sounddevice does on a machine without libportaudio2.
    with pytest.raises(AudioDeviceError, match=r"apt install libportaudio2"):
        stand_in_sounddevice(tmp_path, monkeypatch, "raise OSError('PortAudio library not found')\n")


def test_the_satellite_module_imports_without_portaudio() -> None:
    code = "import assistant.satellite_cli, assistant.satellite_io, assistant.satellite_audio; print('ok')"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert done.stdout.strip() == "ok", done.stderr
