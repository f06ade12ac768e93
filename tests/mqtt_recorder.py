"""A raw MQTT recorder for tests: everything a real broker carried, with QoS and retain as published."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.subscribeoptions import SubscribeOptions


@dataclass(frozen=True)
class Carried:
    """One message exactly as the broker carried it: topic, payload, QoS and retain flag as published."""

    topic: str
    payload: str
    qos: int
    retain: bool


@dataclass
class Recorder:
    """A plain paho client (own thread, MQTT 5 retain-as-published) recording everything on `#`."""

    prefix: str
    messages: list[Carried] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def carried(self) -> list[Carried]:
        """Messages on this test's topics, in arrival order."""
        with self.lock:
            return [m for m in self.messages if self.prefix in m.topic]

    def on(self, topic: str) -> list[Carried]:
        """Messages on one exact topic."""
        return [m for m in self.carried() if m.topic == topic]

    async def wait_for(
        self, predicate: Callable[[list[Carried]], bool], within: float = 3.0
    ) -> list[Carried]:
        """Poll until predicate(carried) holds."""
        await eventually(lambda: predicate(self.carried()), within)
        return self.carried()

    def clear(self) -> None:
        """Forget what was recorded so far."""
        with self.lock:
            self.messages.clear()


async def eventually(predicate: Callable[[], bool], within: float = 3.0) -> None:
    """Poll until predicate() holds; fail the test after `within` seconds."""
    for _ in range(int(within / 0.005) + 1):
        if predicate():
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"condition still false after {within} s")


def start_recorder(host: str, port: int, prefix: str) -> tuple[Recorder, paho.Client]:
    """Connect a recorder and wait until its subscription is acknowledged."""
    recorder = Recorder(prefix)
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"recorder-{prefix}", protocol=paho.MQTTv5)
    subscribed = threading.Event()
    # QoS 2 so each message keeps the publisher's QoS; old retained messages are not replayed.
    options = SubscribeOptions(
        qos=2, retainAsPublished=True, retainHandling=SubscribeOptions.RETAIN_DO_NOT_SEND
    )

    def on_connect(c: paho.Client, *_: Any) -> None:
        c.subscribe("#", options=options)

    def on_message(_c: paho.Client, _u: Any, msg: paho.MQTTMessage) -> None:
        carried = Carried(msg.topic, msg.payload.decode(errors="replace"), msg.qos, bool(msg.retain))
        with recorder.lock:
            recorder.messages.append(carried)

    client.on_connect = on_connect
    client.on_subscribe = lambda *_: subscribed.set()
    client.on_message = on_message
    client.connect(host, port)
    client.loop_start()
    assert subscribed.wait(5), "recorder could not subscribe"
    return recorder, client
