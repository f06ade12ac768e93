"""The managed Mosquitto broker and the fixtures built on it."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

import devices.broker as broker_module
from devices.broker import BrokerError, BrokerNotFound, ManagedBroker, find_mosquitto
from tests import conftest


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def test_find_mosquitto_prefers_path_then_debian(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("devices.broker.shutil.which", lambda name: "/opt/bin/mosquitto")
    assert find_mosquitto() == "/opt/bin/mosquitto"
    monkeypatch.setattr("devices.broker.shutil.which", lambda name: None)
    monkeypatch.setattr(broker_module, "DEBIAN_PATH", "/nonexistent/mosquitto")
    assert find_mosquitto() is None
    with pytest.raises(BrokerNotFound, match="apt-get install mosquitto"):
        ManagedBroker().start()


def test_fixture_fails_in_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "find_mosquitto", lambda: None)
    for value in ("true", "1", "yes"):
        monkeypatch.setenv("CI", value)
        with pytest.raises(pytest.fail.Exception, match="apt-get install mosquitto"):
            conftest._require_mosquitto()
    for value in ("", "false", "0"):
        monkeypatch.setenv("CI", value)
        with pytest.raises(pytest.skip.Exception):
            conftest._require_mosquitto()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        conftest._require_mosquitto()


def test_restart_keeps_the_port(fresh_mosquitto: ManagedBroker) -> None:
    broker = fresh_mosquitto
    port = broker.port
    assert port > 0 and broker.running and _accepts(broker.host, port)
    assert broker.url == f"mqtt://127.0.0.1:{port}"
    broker.stop()
    assert not broker.running and not _accepts(broker.host, port)
    broker.stop()  # twice is fine
    broker.start()
    assert broker.port == port and _accepts(broker.host, port)


async def test_async_context_manager() -> None:
    conftest._require_mosquitto()
    async with ManagedBroker() as broker:
        assert _accepts(broker.host, broker.port)
    assert not broker.running


def test_a_taken_port_is_refused(fresh_mosquitto: ManagedBroker) -> None:
    clash = ManagedBroker(port=fresh_mosquitto.port)
    with pytest.raises(BrokerError, match=f"cannot listen on 127.0.0.1:{fresh_mosquitto.port}"):
        clash.start()
    assert not clash.running


def test_startup_failure_is_reported(tmp_path: Path) -> None:
    fake = tmp_path / "mosquitto"
    fake.write_text("#!/bin/sh\necho 'Error: simulated broken broker' >&2\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(BrokerError, match="simulated broken broker"):
        ManagedBroker(executable=str(fake)).start()
