"""The asyncio MQTT adapter against a real Mosquitto: publish, subscribe, failures and reconnection."""

from __future__ import annotations

import asyncio
import logging

import pytest

from devices.broker import ManagedBroker, free_port
from devices.mqtt import MqttClient, MqttUnavailable
from tests.conftest import _require_mosquitto as conftest_require
from tests.devices.conftest import MqttFactory
from tests.mqtt_recorder import Carried, Recorder, eventually, start_recorder


async def test_publish_reaches_the_broker_with_qos_and_retain(
    mqtt_factory: MqttFactory, recorder: Recorder, prefix: str
) -> None:
    client = await mqtt_factory("pub")
    assert client.connected
    await client.publish(f"{prefix}/a", "one")
    await client.publish(f"{prefix}/b", b"\x00two", qos=0, retain=True)
    carried = await recorder.wait_for(lambda c: len(c) == 2)
    assert carried == [
        Carried(f"{prefix}/a", "one", 1, False),
        Carried(f"{prefix}/b", "\x00two", 0, True),
    ]
    await client.publish(f"{prefix}/b", b"", retain=True)  # leave no retained message behind


async def test_subscribe_exact_and_wildcards(mqtt_factory: MqttFactory, prefix: str) -> None:
    client = await mqtt_factory("sub")
    got: list[tuple[str, str, bytes, bool]] = []
    client.subscribe(f"{prefix}/x/y", lambda t, p, r: got.append(("exact", t, p, r)))
    client.subscribe(f"{prefix}/+/y", lambda t, p, r: got.append(("plus", t, p, r)))
    stop_hash = client.subscribe(f"{prefix}/#", lambda t, p, r: got.append(("hash", t, p, r)))
    await client.wait_subscribed()
    await client.publish(f"{prefix}/x/y", "1")
    await eventually(lambda: len(got) == 3)
    assert sorted(got) == [
        ("exact", f"{prefix}/x/y", b"1", False),
        ("hash", f"{prefix}/x/y", b"1", False),
        ("plus", f"{prefix}/x/y", b"1", False),
    ]
    got.clear()
    stop_hash()
    await client.publish(f"{prefix}/z", "2")
    await client.publish(f"{prefix}/q/y", "3")
    await eventually(lambda: len(got) == 1)
    await asyncio.sleep(0.05)
    assert got == [("plus", f"{prefix}/q/y", b"3", False)]


async def test_retained_message_arrives_with_retain_flag(mqtt_factory: MqttFactory, prefix: str) -> None:
    publisher = await mqtt_factory("ret-pub")
    await publisher.publish(f"{prefix}/r", "kept", retain=True)
    late = await mqtt_factory("ret-sub")
    got: list[tuple[str, bytes, bool]] = []
    late.subscribe(f"{prefix}/r", lambda t, p, r: got.append((t, p, r)))
    await eventually(lambda: bool(got))
    assert got == [(f"{prefix}/r", b"kept", True)]
    await publisher.publish(f"{prefix}/r", b"", retain=True)


async def test_a_failing_callback_does_not_break_delivery(
    mqtt_factory: MqttFactory, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = await mqtt_factory("cb")
    got: list[bytes] = []

    def broken(topic: str, payload: bytes, retain: bool) -> None:
        raise RuntimeError("subscriber bug")

    client.subscribe(f"{prefix}/t", broken)
    client.subscribe(f"{prefix}/t", lambda t, p, r: got.append(p))
    await client.wait_subscribed()
    await client.publish(f"{prefix}/t", "1")
    await client.publish(f"{prefix}/t", "2")
    await eventually(lambda: len(got) == 2)
    assert got == [b"1", b"2"] and client.connected
    assert "subscriber failed" in caplog.text


async def test_start_fails_clearly_without_a_broker(caplog: pytest.LogCaptureFixture) -> None:
    port = free_port()
    client = MqttClient("127.0.0.1", port, client_id="nobody", password="s3cret-pw", connect_timeout=0.3)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with caplog.at_level(logging.DEBUG), pytest.raises(MqttUnavailable) as info:
        await client.start()
    assert loop.time() - started < 2
    assert f"127.0.0.1:{port}" in str(info.value) and "connection refused" in str(info.value)
    assert info.value.code == "mqtt-unavailable"
    assert not client.connected
    with pytest.raises(MqttUnavailable):
        await client.publish("a", "b")
    assert "s3cret-pw" not in caplog.text + repr(client) + str(info.value)


async def test_reconnects_after_broker_restart(fresh_mosquitto: ManagedBroker) -> None:
    broker = fresh_mosquitto
    client = MqttClient(broker.host, broker.port, client_id="survivor", reconnect_min=0.05)
    transitions: list[bool] = []
    client.add_connection_listener(transitions.append)
    got: list[bytes] = []
    client.subscribe("restart/#", lambda t, p, r: got.append(p))
    await client.start()
    await client.wait_subscribed()
    assert transitions == [True]

    await asyncio.to_thread(broker.stop)
    await eventually(lambda: not client.connected)
    assert transitions == [True, False]
    with pytest.raises(MqttUnavailable):
        await client.publish("restart/x", "lost")
    await asyncio.sleep(0.3)  # a few failed reconnect attempts while the broker is down

    await asyncio.to_thread(broker.start)  # same port
    async with asyncio.timeout(5):
        await client.wait_connected()
    await client.wait_subscribed()
    assert transitions == [True, False, True]

    # The subscription was restored, and publishing works again, as seen by an independent client.
    recorder, raw = start_recorder(broker.host, broker.port, "restart")
    try:
        await client.publish("restart/x", "back", qos=1)
        await recorder.wait_for(lambda c: Carried("restart/x", "back", 1, False) in c)
        await eventually(lambda: got == [b"back"])
    finally:
        raw.disconnect()
        raw.loop_stop()
        await client.stop()
    assert transitions == [True, False, True, False]


async def test_stop_is_idempotent_and_restartable(mqtt_factory: MqttFactory) -> None:
    client = await mqtt_factory("twice")
    await client.stop()
    await client.stop()
    assert not client.connected
    await client.start()
    assert client.connected


async def test_refused_credentials_fail_fast_without_leaking_the_password(
    caplog: pytest.LogCaptureFixture,
) -> None:
    conftest_require()
    async with ManagedBroker(extra_config="allow_anonymous false\n") as broker:
        client = MqttClient(
            broker.host,
            broker.port,
            client_id="intruder",
            username="u",
            password="hunter2",
            connect_timeout=3,
        )
        loop = asyncio.get_running_loop()
        started = loop.time()
        with caplog.at_level(logging.DEBUG), pytest.raises(MqttUnavailable, match="Not authorized"):
            await client.start()
        assert loop.time() - started < 1  # retrying cannot fix credentials
        assert "hunter2" not in caplog.text
