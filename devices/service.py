"""Device service: applies state reports from MQTT and executes commands until the device confirms them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from devices.errors import CommandError, ErrorCode, MqttUnavailable
from devices.model import Action, Command, DeviceSpec, Publish
from devices.mqtt import MqttClient
from devices.protocols import confirms, encode
from devices.registry import Registry, StateChange

logger = logging.getLogger(__name__)

StateListener = Callable[[StateChange], None]


@dataclass(frozen=True, slots=True)
class ActionResult:
    """The outcome of one command: what was published and whether the device confirmed it."""

    device_id: str
    action: Action
    topic: str
    payload: str
    ok: bool
    code: str | None
    message: str
    state: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the hub's `action` event carries these fields)."""
        return {
            "device": self.device_id,
            "command": self.action.value,
            "topic": self.topic,
            "payload": self.payload,
            "ok": self.ok,
            "code": self.code,
            "message": self.message,
            "state": self.state,
        }


@dataclass(slots=True, eq=False)  # identity: two identical commands wait separately
class _Waiter:
    spec: DeviceSpec
    command: Command
    future: asyncio.Future[dict[str, Any]]


class DeviceService:
    """Keeps the registry's state current from MQTT and runs commands against devices."""

    def __init__(self, registry: Registry, mqtt: MqttClient, *, confirm_timeout: float = 3.0) -> None:
        self.registry = registry
        self.mqtt = mqtt
        self.confirm_timeout = confirm_timeout
        self._listeners: list[StateListener] = []
        self._waiters: dict[str, list[_Waiter]] = {}
        self._unsubscribe: list[Callable[[], None]] = []

    async def start(self) -> None:
        """Subscribe to every device's state topics (retained states arrive at once)."""
        if self._unsubscribe:
            return
        self._unsubscribe.append(self.mqtt.subscribe_many(self.registry.subscriptions(), self._on_message))
        if self.mqtt.connected:
            await self.mqtt.wait_subscribed()

    async def stop(self) -> None:
        """Unsubscribe and fail commands still waiting for their device."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        for waiters in self._waiters.values():
            for waiter in waiters:
                if not waiter.future.done():
                    waiter.future.set_exception(MqttUnavailable("the device service stopped"))
        self._waiters.clear()

    def add_listener(self, listener: StateListener) -> Callable[[], None]:
        """Call `listener(change)` for every applied state report; returns a function that removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def state(self, device_id: str) -> dict[str, Any]:
        """The last known state of a device (KeyError if unknown)."""
        return self.registry.state(device_id)

    # `timeout` is part of the contract the pipeline calls with; it bounds only the wait for a confirmation.
    async def execute(self, command: Command, timeout: float | None = None) -> ActionResult:  # noqa: ASYNC109
        """Publish a command and wait for the device to confirm it; failures are codes, never raises."""
        spec = self.registry.get(command.device_id)
        if spec is None:
            return _failure(command, ErrorCode.DEVICE_UNKNOWN, f"no device with id {command.device_id!r}")
        try:
            publishes = encode(spec, command)
        except CommandError as err:
            return _failure(command, err.code, err.message, state=self.registry.state(spec.id))
        # Registered before publishing, so a report that races the publish cannot be missed; a device
        # already in the target state confirms only with a report that arrives after this point.
        waiter = _Waiter(spec, command, asyncio.get_running_loop().create_future())
        self._waiters.setdefault(spec.id, []).append(waiter)
        try:
            limit = self.confirm_timeout if timeout is None else timeout
            return await self._publish_and_wait(spec, command, publishes, waiter, limit)
        finally:
            self._drop_waiter(waiter)

    async def execute_many(
        self,
        commands: Iterable[Command],
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> list[ActionResult]:
        """Run several commands concurrently; results in the same order."""
        return list(await asyncio.gather(*(self.execute(command, timeout) for command in commands)))

    async def _publish_and_wait(
        self,
        spec: DeviceSpec,
        command: Command,
        publishes: list[Publish],
        waiter: _Waiter,
        limit: float,
    ) -> ActionResult:
        first = publishes[0]
        try:
            for publish in publishes:
                await self.mqtt.publish(publish.topic, publish.payload, publish.qos, publish.retain)
        except MqttUnavailable as err:
            state = self.registry.state(spec.id)
            return _failure(command, ErrorCode.MQTT_UNAVAILABLE, str(err), first, state)
        try:
            state = await asyncio.wait_for(asyncio.shield(waiter.future), limit)
        except MqttUnavailable as err:
            return _failure(
                command, ErrorCode.MQTT_UNAVAILABLE, str(err), first, self.registry.state(spec.id)
            )
        except TimeoutError:
            message = f"{spec.name} did not respond within {limit:g} s"
            return _failure(command, ErrorCode.DEVICE_TIMEOUT, message, first, self.registry.state(spec.id))
        return ActionResult(
            device_id=spec.id,
            action=command.action,
            topic=first.topic,
            payload=first.payload,
            ok=True,
            code=None,
            message=f"{spec.name}: {command.action.value} confirmed",
            state=state,
        )

    def _drop_waiter(self, waiter: _Waiter) -> None:
        waiters = self._waiters.get(waiter.spec.id, [])
        if waiter in waiters:
            waiters.remove(waiter)
        if not waiters:
            self._waiters.pop(waiter.spec.id, None)
        if not waiter.future.done():
            waiter.future.cancel()

    def _on_message(self, topic: str, payload: bytes, retain: bool) -> None:
        change = self.registry.apply(topic, payload)
        if change is None:
            return
        # A retained message is history replayed on (re)subscribe, never the answer to a command.
        if not retain:
            for waiter in self._waiters.get(change.device_id, ()):
                if not waiter.future.done() and confirms(waiter.spec, waiter.command, change.update):
                    waiter.future.set_result(change.state)
        for listener in list(self._listeners):
            try:
                listener(change)
            except Exception:
                logger.exception("state listener failed for %s", change.device_id)


def _failure(
    command: Command,
    code: str,
    message: str,
    publish: Publish | None = None,
    state: dict[str, Any] | None = None,
) -> ActionResult:
    return ActionResult(
        device_id=command.device_id,
        action=command.action,
        topic=publish.topic if publish else "",
        payload=publish.payload if publish else "",
        ok=False,
        code=str(code),
        message=message,
        state=state or {},
    )
