"""A Mosquitto broker that Hearth (or a test) starts and stops itself on a loopback port."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO

DEBIAN_PATH = "/usr/sbin/mosquitto"  # Debian installs the broker outside a normal user's PATH


class BrokerNotFound(RuntimeError):
    """No mosquitto executable on this machine."""

    code = "broker-not-found"

    def __init__(self) -> None:
        super().__init__(
            f"mosquitto was not found on PATH or at {DEBIAN_PATH}; "
            "install it with `apt-get install mosquitto`"
        )


class BrokerError(RuntimeError):
    """mosquitto was found but did not start (its log is in the message)."""

    code = "broker-failed"


def find_mosquitto() -> str | None:
    """Path of the mosquitto executable: PATH first, then Debian's /usr/sbin; None when absent."""
    found = shutil.which("mosquitto")
    if found:
        return found
    return DEBIAN_PATH if os.access(DEBIAN_PATH, os.X_OK) else None


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on `host` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class ManagedBroker:
    """Runs mosquitto with a throwaway config: one anonymous listener on loopback, no persistence."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        executable: str | None = None,
        startup_timeout: float = 5.0,
        extra_config: str = "",
    ) -> None:
        self.host = host
        self.extra_config = extra_config  # appended to mosquitto.conf, e.g. to require passwords
        self.port = port  # 0 until the first start picks a free port; later restarts keep it
        self.executable = executable
        self.startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._dir: Path | None = None
        self._log: IO[bytes] | None = None

    @property
    def running(self) -> bool:
        """Whether the broker process is alive."""
        return self._process is not None and self._process.poll() is None

    @property
    def url(self) -> str:
        """mqtt://host:port of the listener."""
        return f"mqtt://{self.host}:{self.port}"

    def start(self) -> None:
        """Start mosquitto and wait until it accepts connections; BrokerNotFound or BrokerError otherwise."""
        if self.running:
            return
        executable = self.executable or find_mosquitto()
        if executable is None:
            raise BrokerNotFound()
        if self.port == 0:
            self.port = free_port(self.host)
        else:
            self._check_port_free()
        self._dir = Path(tempfile.mkdtemp(prefix="hearth-mosquitto-"))
        config = self._dir / "mosquitto.conf"
        config.write_text(
            f"listener {self.port} {self.host}\n"
            "allow_anonymous true\n"
            "persistence false\n"
            # Without it mosquitto's small replies wait on Nagle + delayed ACK: ~40 ms per round trip.
            "set_tcp_nodelay true\n"
            "log_dest stderr\n"
            "log_type error\nlog_type warning\nlog_type notice\n" + self.extra_config
        )
        self._log = (self._dir / "mosquitto.log").open("wb")
        self._process = subprocess.Popen(
            [executable, "-c", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait_ready()
        except BrokerError:
            self.stop()
            raise

    def _check_port_free(self) -> None:
        # Otherwise the readiness probe would happily connect to whatever already listens there.
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT after a restart is fine
            try:
                probe.bind((self.host, self.port))
            except OSError as err:
                raise BrokerError(f"cannot listen on {self.host}:{self.port}: {err.strerror}") from err

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                raise BrokerError(f"mosquitto exited during startup:\n{self.log_text()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        raise BrokerError(
            f"mosquitto did not accept connections on {self.host}:{self.port} "
            f"within {self.startup_timeout:g} s:\n{self.log_text()}"
        )

    def log_text(self) -> str:
        """What mosquitto has logged so far (empty once stopped)."""
        if self._dir is None:
            return ""
        try:
            return (self._dir / "mosquitto.log").read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop mosquitto (SIGTERM, then SIGKILL after 5 s) and remove its temp dir; safe to call twice."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    async def start_async(self) -> None:
        """start() without blocking the event loop."""
        await asyncio.to_thread(self.start)

    async def stop_async(self) -> None:
        """stop() without blocking the event loop."""
        await asyncio.to_thread(self.stop)

    def __enter__(self) -> ManagedBroker:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def __aenter__(self) -> ManagedBroker:
        await self.start_async()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop_async()
