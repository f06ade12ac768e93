"""Shared fixtures: a real Mosquitto broker on a loopback port (session-wide, or fresh per test)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from devices.broker import BrokerNotFound, ManagedBroker, find_mosquitto


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no", "off")


def _require_mosquitto() -> None:
    """Fail in CI (a missing broker there is a broken image), skip on a developer machine."""
    if find_mosquitto() is None:
        message = str(BrokerNotFound())
        if _in_ci():
            pytest.fail(message)
        pytest.skip(message)


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
