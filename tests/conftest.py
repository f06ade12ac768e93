"""Shared fixtures: a real Mosquitto broker on a loopback port (session-wide, or fresh per test)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.broker import BrokerNotFound, ManagedBroker, find_mosquitto


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no", "off")


def require(present: bool, message: str) -> None:
    """Go on when a tool is there; else fail in CI (a broken image) and skip on a developer machine."""
    if not present:
        if _in_ci():
            pytest.fail(message)
        pytest.skip(message)


def _require_mosquitto() -> None:
    require(find_mosquitto() is not None, str(BrokerNotFound()))


@pytest.fixture(scope="session")
def mosquitto() -> Iterator[tuple[str, int]]:
    """(host, port) of a Mosquitto broker shared by the whole test session."""
    _require_mosquitto()
    with ManagedBroker() as broker:
        yield broker.host, broker.port


@pytest.fixture
def fresh_mosquitto() -> Iterator[ManagedBroker]:
    """A broker of this test's own, which the test may stop and start again on the same port."""
    _require_mosquitto()
    broker = ManagedBroker()
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session", autouse=True)
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One classifier cache for the whole run: hubs of the same config train once, then load in ms."""
    path = tmp_path_factory.mktemp("hearth-cache")
    previous = os.environ.get("HEARTH_CACHE_DIR")
    os.environ["HEARTH_CACHE_DIR"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("HEARTH_CACHE_DIR", None)
    else:
        os.environ["HEARTH_CACHE_DIR"] = previous
