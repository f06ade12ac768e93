"""Command-line ends of `hearth certs` and `hearth satellite`: options, checks and start-up."""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import ssl
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

TOKEN_ENV = "HEARTH_TOKEN"


def add_parsers(sub: Any) -> None:
    """Register both commands on the `hearth` sub-command parser."""
    certs = sub.add_parser("certs", help="create a local CA and a hub certificate for wss:// on the LAN")
    certs.add_argument("--config", default="config", help="config folder (default: %(default)s)")
    certs.add_argument("--name", action="append", default=[], help="another host name (repeatable)")
    certs.add_argument("--ip", action="append", default=[], help="another IP address (repeatable)")
    certs.add_argument("--days", type=int, default=397, help="hub certificate validity (max 397)")
    certs.add_argument("--force", action="store_true", help="a new CA too (devices must trust it again)")
    certs.set_defaults(func=_certs)

    sat = sub.add_parser("satellite", help="a microphone and speaker (or wav files) talking to a hub")
    sat.add_argument("--url", default="ws://127.0.0.1:8765/ws", help="hub URL, e.g. wss://hub.local:8765/ws")
    sat.add_argument("--token", default=None, help=f"client token (better: --token-file or ${TOKEN_ENV})")
    sat.add_argument("--token-file", default=None, help="read the client token from this file")
    sat.add_argument("--client", default=None, help="name shown in the hub's logs (default: host name)")
    sat.add_argument("--area", default=None, help="the area this satellite is in (e.g. kitchen)")
    sat.add_argument("--ca", default=None, help="CA certificate to trust for wss:// (certs/ca.pem)")
    mode = sat.add_mutually_exclusive_group()
    mode.add_argument("--push-to-talk", action="store_true", help="Enter starts a turn (the default)")
    mode.add_argument("--continuous", action="store_true", help="listen again after every reply")
    sat.add_argument("--input", default=None, help="speak this wav file instead of the microphone, then exit")
    sat.add_argument("--output", default=None, help="with --input: write the spoken reply to this wav")
    sat.add_argument("--fast", action="store_true", help="with --input: send faster than real time")
    sat.add_argument(
        "--timeout", type=float, default=60.0, help="with --input: seconds to wait for the reply"
    )
    sat.add_argument("--mic", default=None, help="input device name or number (default: the system's)")
    sat.add_argument("--speaker", default=None, help="output device name or number (default: the system's)")
    sat.set_defaults(func=_satellite)


def _certs(args: argparse.Namespace) -> int:
    from .certs import command

    return command(args)


class UsageError(Exception):
    """A bad option or file: printed as one line, exit status 2."""


def read_token(args: argparse.Namespace) -> str:
    """The token from --token-file, --token or $HEARTH_TOKEN (files and the environment stay out of `ps`)."""
    if args.token_file:
        path = Path(args.token_file).expanduser()
        try:
            token = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as err:
            raise UsageError(f"cannot read the token file {path}: {err}") from err
        if not token:
            raise UsageError(f"the token file {path} is empty")
        if path.stat().st_mode & 0o077:
            print(f"warning: {path} is readable by other users: chmod 600 {path}", file=sys.stderr)
        return token
    token = args.token or os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise UsageError(f"give the client's token with --token-file FILE, ${TOKEN_ENV} or --token")
    return str(token)


def tls_context(url: str, ca: str | None) -> ssl.SSLContext | None:
    """What wss:// trusts: the system's CAs, or --ca (host names are still verified)."""
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise UsageError(f"{url!r} is not a hub URL like wss://hub.local:8765/ws")
    if parts.scheme == "ws":
        if ca:
            raise UsageError("--ca is for wss:// URLs; this one is ws://")
        from .config import is_loopback

        if not is_loopback(parts.hostname):
            print(f"warning: {url} is not encrypted: the token crosses the network readable", file=sys.stderr)
        return None
    if ca is None:
        return None  # websockets uses the system's trust store
    path = Path(ca).expanduser()
    if not path.is_file():
        raise UsageError(f"--ca {path}: no such file (copy certs/ca.pem from the hub)")
    try:
        return ssl.create_default_context(cafile=str(path))
    except (ssl.SSLError, OSError) as err:
        raise UsageError(f"--ca {path} is not a PEM CA certificate ({err})") from err


def _device(value: str | None) -> str | int | None:
    return int(value) if value is not None and value.isdigit() else value


def _satellite(args: argparse.Namespace) -> int:
    from .satellite import Identity, SatelliteCore
    from .satellite_audio import AudioDeviceError, DeviceMicrophone, DevicePlayer, KeyboardLines, WavInput
    from .satellite_io import Mode, Satellite, SatelliteOptions
    from .speech.corpus import CorpusError

    try:
        if args.input is None and (args.output or args.fast):
            raise UsageError("--output and --fast go with --input FILE.wav")
        if args.input is not None and args.continuous:
            raise UsageError("--input speaks one file; it does not go with --continuous")
        token = read_token(args)
        tls = tls_context(args.url, args.ca)
        wav = WavInput(Path(args.input).expanduser()) if args.input else None
    except (UsageError, CorpusError) as err:
        print(f"hearth: {err}", file=sys.stderr)
        return 2
    client = args.client or socket.gethostname()
    mode = Mode.FILE if wav else (Mode.CONTINUOUS if args.continuous else Mode.PUSH_TO_TALK)
    rate, channels = (wav.rate, wav.channels) if wav else (16000, 1)
    core = SatelliteCore(Identity(token, client, args.area, True, rate, channels))
    options = SatelliteOptions(
        url=args.url,
        mode=mode,
        tls=tls,
        input=wav,
        output=Path(args.output).expanduser() if args.output else None,
        realtime=not args.fast,
        turn_timeout=args.timeout,
    )
    live = mode is not Mode.FILE
    keys = KeyboardLines(sys.stdin) if mode is Mode.PUSH_TO_TALK else None
    satellite = Satellite(
        core,
        options,
        microphone=DeviceMicrophone(_device(args.mic)) if live else None,
        player=DevicePlayer(_device(args.speaker)) if live else None,
        keys=keys,
    )

    async def main() -> int:
        if keys is not None:
            keys.start()
        return await satellite.run()

    try:
        return asyncio.run(main())
    except AudioDeviceError as err:
        print(f"hearth: {err}", file=sys.stderr)
        return 2
