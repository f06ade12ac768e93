"""Asyncio MQTT client over paho-mqtt 2.x; the event loop drives the socket instead of paho's thread."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
import threading
from collections.abc import Callable, Iterable
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.reasoncodes import ReasonCode

from devices.errors import MqttUnavailable
from devices.topics import TopicIndex

__all__ = ["ConnectionListener", "MessageCallback", "MqttClient", "MqttUnavailable"]

logger = logging.getLogger(__name__)

MessageCallback = Callable[[str, bytes, bool], None]
ConnectionListener = Callable[[bool], None]

_SUBSCRIBE_CHUNK = 200  # filters per SUBSCRIBE packet when restoring many subscriptions
_MISC_INTERVAL = 1.0  # how often paho's keepalive bookkeeping runs
# CONNACK refusals that retrying cannot fix (bad protocol, client id, credentials, authorisation).
_FATAL_CONNACK = frozenset({132, 133, 134, 135, 140})


class _ConnectFailed(Exception):
    def __init__(self, reason: str, *, fatal: bool = False) -> None:
        super().__init__(reason)
        self.fatal = fatal


class MqttClient:
    """One MQTT connection: callbacks per topic filter, publish, and reconnect with backoff."""

    def __init__(
        self,
        host: str,
        port: int = 1883,
        *,
        client_id: str,
        username: str | None = None,
        password: str | None = None,
        tls: ssl.SSLContext | None = None,
        keepalive: int = 30,
        connect_timeout: float = 5.0,
        reconnect_min: float = 0.5,
        reconnect_max: float = 30.0,
    ) -> None:
        self.host, self.port, self.client_id = host, port, client_id
        self._username, self._password, self._tls = username, password, tls
        self._keepalive, self._connect_timeout = keepalive, connect_timeout
        self._reconnect_min, self._reconnect_max = reconnect_min, reconnect_max
        self._client: paho.Client | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._fd: int | None = None
        self._writer = False
        self._connected = False
        self._stopping = False
        self._subscriptions: TopicIndex[MessageCallback] = TopicIndex()
        self._qos: dict[str, int] = {}  # the highest QoS any callback asked for, per filter
        self._listeners: list[ConnectionListener] = []
        self._drain_waiters: list[asyncio.Future[None]] = []
        self._unacked: set[int] = set()
        self._subscribed = asyncio.Event()
        self._connected_event = asyncio.Event()
        self._lost = asyncio.Event()
        self._connack: asyncio.Future[_ConnectFailed | None] | None = None
        self._connecting: asyncio.Future[MQTTErrorCode] | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._misc: asyncio.TimerHandle | None = None

    def __repr__(self) -> str:  # never shows the password
        return f"MqttClient({self.address}, client_id={self.client_id!r}, username={self._username!r})"

    @property
    def address(self) -> str:
        """host:port of the broker, for messages."""
        return f"{self.host}:{self.port}"

    @property
    def connected(self) -> bool:
        """Whether the broker has accepted the connection and it is still up."""
        return self._connected

    # --- lifecycle --------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect, retrying for up to connect_timeout seconds; raises MqttUnavailable if it cannot."""
        if self._client is not None:
            raise RuntimeError("MqttClient already started")
        loop = self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._stopping = False
        self._lost.clear()
        self._client = self._make_client()
        deadline = loop.time() + self._connect_timeout
        delay = self._reconnect_min
        while True:
            try:
                await self._connect_once(max(0.1, deadline - loop.time()))
                break
            except _ConnectFailed as err:
                remaining = deadline - loop.time()
                if err.fatal or remaining <= 0:
                    await self.stop()
                    message = f"cannot connect to the MQTT broker at {self.address}: {err}"
                    raise MqttUnavailable(message) from None
                await asyncio.sleep(min(delay, remaining))
                delay = min(delay * 2, self._reconnect_max)
        self._supervisor = loop.create_task(self._supervise(), name=f"mqtt-supervisor-{self.client_id}")

    async def stop(self) -> None:
        """Disconnect cleanly and stop reconnecting; safe to call twice."""
        self._stopping = True
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
            self._supervisor = None
        if self._connecting is not None:  # a connect attempt still running in its thread
            with contextlib.suppress(Exception):
                await self._connecting
        client = self._client
        if client is not None and client.socket() is not None:
            client.disconnect()
            client.loop_write()  # flushes DISCONNECT; paho then closes the socket
        self._unregister_socket()
        if client is not None and (sock := client.socket()) is not None:
            sock.close()
        if self._misc is not None:
            self._misc.cancel()
            self._misc = None
        self._set_disconnected()
        self._client = None

    async def wait_connected(self) -> None:
        """Wait until the connection is (again) up; bound it with asyncio.timeout."""
        while not self._connected:
            await self._connected_event.wait()

    def add_connection_listener(self, listener: ConnectionListener) -> Callable[[], None]:
        """Call `listener(connected)` on every connect and disconnect; returns a function that removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # --- subscribe and publish --------------------------------------------------------------------------

    def subscribe(self, topic_filter: str, callback: MessageCallback, qos: int = 0) -> Callable[[], None]:
        """Call `callback(topic, payload, retain)` for matching messages, across reconnects; returns undo."""
        # Retained messages arrive first, flagged; callbacks run on the loop inside paho's read.
        return self.subscribe_many([topic_filter], callback, qos)

    def subscribe_many(
        self, topic_filters: Iterable[str], callback: MessageCallback, qos: int = 0
    ) -> Callable[[], None]:
        """subscribe() for many filters in few SUBSCRIBE packets; returns one function undoing them all."""
        # QoS 0 is the default on purpose: brokers cap unacknowledged QoS 1 deliveries per client
        # (mosquitto: 20 in flight + 1000 queued) and silently drop the rest of a burst, such as the
        # retained states of thousands of devices arriving at once on subscribe.
        entries = list(dict.fromkeys(topic_filters))
        for topic_filter in entries:
            if not topic_filter:
                raise ValueError("empty topic filter")
            self._subscriptions.add(topic_filter, callback)
            self._qos[topic_filter] = max(qos, self._qos.get(topic_filter, 0))
        if self._connected and entries:
            # Sent even for filters already subscribed: the broker then replays retained messages, which
            # the new callback needs (earlier callbacks see them again, flagged retained).
            self._send_subscribe(entries)

        def unsubscribe() -> None:
            gone = [f for f in entries if self._subscriptions.remove(f, callback)]
            for topic_filter in gone:
                self._qos.pop(topic_filter, None)
            entries.clear()
            if gone and self._connected and self._client is not None:
                self._client.unsubscribe(gone)

        return unsubscribe

    async def wait_subscribed(self) -> None:
        """Wait until the broker acknowledged every subscription sent so far; MqttUnavailable if down."""
        try:
            async with asyncio.timeout(self._connect_timeout):
                while True:
                    if not self._connected:
                        raise MqttUnavailable(f"not connected to the MQTT broker at {self.address}")
                    if not self._unacked:
                        return
                    self._subscribed.clear()
                    await self._subscribed.wait()
        except TimeoutError:
            raise MqttUnavailable(f"the broker at {self.address} did not acknowledge subscriptions") from None

    def publish_nowait(self, topic: str, payload: str | bytes, qos: int = 1, retain: bool = False) -> None:
        """Queue a message for the socket (written on the next loop turn); MqttUnavailable when down."""
        client = self._client
        if client is None or not self._connected:
            raise MqttUnavailable(f"not connected to the MQTT broker at {self.address}")
        info = client.publish(topic, payload, qos=qos, retain=retain)
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            raise MqttUnavailable(f"cannot publish to {topic!r}: {paho.error_string(info.rc)}")

    async def publish(self, topic: str, payload: str | bytes, qos: int = 1, retain: bool = False) -> None:
        """Publish and return once the message is written to the socket; MqttUnavailable when down."""
        self.publish_nowait(topic, payload, qos, retain)
        client = self._client
        assert client is not None  # publish_nowait raised otherwise
        # Write now instead of on the next loop turn: safe here, a coroutine never runs inside paho's loop.
        client.loop_write()
        if not self._connected:
            raise MqttUnavailable(f"connection to {self.address} lost while publishing to {topic!r}")
        if client.want_write():
            waiter = asyncio.get_running_loop().create_future()
            self._drain_waiters.append(waiter)
            await waiter

    # --- connecting -------------------------------------------------------------------------------------

    def _make_client(self) -> paho.Client:
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=paho.MQTTv311,
            reconnect_on_failure=False,  # reconnecting is ours, on the loop, with backoff
        )
        client.suppress_exceptions = True
        client.connect_timeout = self._connect_timeout  # bounds the blocking TCP/TLS part of each attempt
        client.max_inflight_messages_set(0)  # no hidden queue: every publish goes straight to the socket
        if self._username is not None:
            client.username_pw_set(self._username, self._password)
        if self._tls is not None:
            client.tls_set_context(self._tls)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        client.on_socket_close = self._on_socket_close
        client.on_socket_register_write = self._on_register_write
        client.on_socket_unregister_write = self._on_unregister_write
        client.connect_async(self.host, self.port, keepalive=self._keepalive)
        return client

    async def _connect_once(self, limit: float) -> None:
        client, loop = self._client, self._loop
        assert client is not None and loop is not None
        self._unregister_socket()
        connack = self._connack = loop.create_future()
        started = loop.time()
        # TCP connect and the TLS handshake block, so they run in a thread; nothing else touches
        # the paho client meanwhile (publish/subscribe check `connected`, the misc tick checks `_connecting`).
        self._connecting = asyncio.ensure_future(asyncio.to_thread(client.reconnect))
        try:
            await asyncio.shield(self._connecting)
        except Exception as err:
            raise _ConnectFailed(_describe(err)) from err
        finally:
            if self._connecting.done():
                self._connecting = None
        self._register_socket()
        try:
            async with asyncio.timeout(max(0.1, limit - (loop.time() - started))):
                failure = await connack
        except TimeoutError:
            self._unregister_socket()
            raise _ConnectFailed(f"no answer to CONNECT within {limit:g} s") from None
        if failure is not None:
            raise failure

    async def _supervise(self) -> None:
        delay = self._reconnect_min
        while not self._stopping:
            await self._lost.wait()
            self._lost.clear()
            while not self._connected and not self._stopping:
                await asyncio.sleep(delay)
                try:
                    await self._connect_once(self._connect_timeout)
                    delay = self._reconnect_min
                    logger.info("reconnected to the MQTT broker at %s", self.address)
                except _ConnectFailed as err:
                    delay = min(delay * 2, self._reconnect_max)
                    logger.info(
                        "MQTT broker at %s unavailable (%s); retry in %.1f s", self.address, err, delay
                    )
                except Exception:  # the supervisor must outlive any surprise, or the hub never reconnects
                    delay = min(delay * 2, self._reconnect_max)
                    logger.exception("unexpected error reconnecting to %s", self.address)

    # --- socket plumbing (paho's "external event loop" callbacks) ---------------------------------------

    def _on_loop_thread(self) -> bool:
        return threading.get_ident() == self._loop_thread

    def _register_socket(self) -> None:
        client, loop = self._client, self._loop
        assert client is not None and loop is not None
        sock = client.socket()
        if sock is None:
            raise _ConnectFailed("connection closed while connecting")
        self._fd = sock.fileno()
        # Small MQTT packets otherwise wait on Nagle + delayed ACK, ~40 ms per command round trip.
        if isinstance(sock, socket.socket):  # also true of ssl.SSLSocket
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        loop.add_reader(self._fd, self._on_readable)
        self._writer = False
        if client.want_write():
            loop.add_writer(self._fd, self._on_writable)
            self._writer = True
        if self._misc is None:
            self._misc = loop.call_later(_MISC_INTERVAL, self._misc_tick)

    def _unregister_socket(self) -> None:
        if self._fd is not None and self._loop is not None:
            self._loop.remove_reader(self._fd)
            self._loop.remove_writer(self._fd)
        self._fd, self._writer = None, False

    def _on_socket_close(self, client: paho.Client, userdata: Any, sock: Any) -> None:
        if self._on_loop_thread():  # closes from the connect thread happen after we unregistered
            self._unregister_socket()

    def _on_register_write(self, client: paho.Client, userdata: Any, sock: Any) -> None:
        if self._on_loop_thread() and self._fd is not None and not self._writer and self._loop is not None:
            self._loop.add_writer(self._fd, self._on_writable)
            self._writer = True

    def _on_unregister_write(self, client: paho.Client, userdata: Any, sock: Any) -> None:
        if self._on_loop_thread() and self._fd is not None and self._writer and self._loop is not None:
            self._loop.remove_writer(self._fd)
            self._writer = False

    def _on_readable(self) -> None:
        client = self._client
        if client is None:
            return
        rc = client.loop_read()
        # TLS may hold decrypted bytes the file descriptor no longer signals.
        while rc == MQTTErrorCode.MQTT_ERR_SUCCESS and isinstance(sock := client.socket(), ssl.SSLSocket):
            if sock.pending() <= 0:
                break
            rc = client.loop_read()

    def _on_writable(self) -> None:
        client = self._client
        if client is None:
            return
        client.loop_write()
        if not client.want_write():
            self._resolve_drain(None)

    def _misc_tick(self) -> None:
        self._misc = None
        client, loop = self._client, self._loop
        if client is None or loop is None or self._stopping:
            return
        if self._connecting is None and client.socket() is not None:
            client.loop_misc()
        self._misc = loop.call_later(_MISC_INTERVAL, self._misc_tick)

    # --- paho callbacks ---------------------------------------------------------------------------------

    def _on_connect(self, client: paho.Client, _: Any, flags: Any, reason: ReasonCode, props: Any) -> None:
        if reason.is_failure:
            fatal = reason.value in _FATAL_CONNACK
            self._resolve_connack(_ConnectFailed(f"broker refused the connection: {reason}", fatal=fatal))
            return
        self._connected = True
        self._connected_event.set()
        filters = self._subscriptions.filters()
        if filters:
            self._send_subscribe(filters)
        self._resolve_connack(None)
        logger.info("connected to the MQTT broker at %s as %s", self.address, self.client_id)
        self._notify(True)

    def _on_disconnect(self, client: paho.Client, _: Any, flags: Any, reason: ReasonCode, props: Any) -> None:
        was_connected = self._connected
        self._resolve_connack(_ConnectFailed(f"connection closed before CONNACK ({reason})"))
        self._set_disconnected()
        # A command that could not be confirmed has been reported as failed; paho would resend it after
        # the reconnect, possibly much later, so it is dropped instead.
        with client._out_message_mutex:
            client._out_messages.clear()
        if was_connected and not self._stopping:
            logger.warning("lost the MQTT broker at %s (%s); reconnecting", self.address, reason)
            self._lost.set()

    def _on_subscribe(
        self, client: paho.Client, _: Any, mid: int, codes: list[ReasonCode], props: Any
    ) -> None:
        self._unacked.discard(mid)
        refused = [code for code in codes if code.is_failure]
        if refused:
            logger.warning("the broker at %s refused a subscription: %s", self.address, refused)
        if not self._unacked:
            self._subscribed.set()

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        try:
            topic = message.topic
        except UnicodeDecodeError:
            return
        for callback in self._subscriptions.match(topic):
            try:
                callback(topic, bytes(message.payload), message.retain)
            except Exception:
                logger.exception("MQTT subscriber failed on %r", topic)

    # --- helpers ----------------------------------------------------------------------------------------

    def _send_subscribe(self, filters: list[str]) -> None:
        client = self._client
        assert client is not None
        for start in range(0, len(filters), _SUBSCRIBE_CHUNK):
            chunk = [(f, self._qos.get(f, 0)) for f in filters[start : start + _SUBSCRIBE_CHUNK]]
            rc, mid = client.subscribe(chunk)
            if rc == MQTTErrorCode.MQTT_ERR_SUCCESS and mid is not None:
                self._unacked.add(mid)
                self._subscribed.clear()

    def _set_disconnected(self) -> None:
        was_connected = self._connected
        self._connected = False
        self._connected_event.clear()
        self._unacked.clear()
        self._subscribed.set()  # wakes wait_subscribed, which then sees the connection is down
        self._resolve_drain(MqttUnavailable(f"connection to the MQTT broker at {self.address} lost"))
        if was_connected:
            self._notify(False)

    def _resolve_connack(self, result: _ConnectFailed | None) -> None:
        if self._connack is not None and not self._connack.done():
            self._connack.set_result(result)

    def _resolve_drain(self, error: Exception | None) -> None:
        waiters, self._drain_waiters = self._drain_waiters, []
        for waiter in waiters:
            if waiter.done():
                continue
            if error is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(error)

    def _notify(self, connected: bool) -> None:
        for listener in list(self._listeners):
            try:
                listener(connected)
            except Exception:
                logger.exception("MQTT connection listener failed")


def _describe(err: BaseException) -> str:
    if isinstance(err, ConnectionRefusedError):
        return "connection refused (is the broker running?)"
    if isinstance(err, TimeoutError):
        return "timed out"
    return str(err) or type(err).__name__
