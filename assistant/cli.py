"""The `hearth` command line: serve, check, say, simulate, bench."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import ssl
import sys
from collections.abc import Sequence
from typing import Any

from .config import HearthConfig, is_loopback, load_config
from .yamlpos import ConfigError

DEFAULT_CONFIG = "config"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `hearth` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, args.log_level.upper()), format="%(asctime)s %(name)s %(message)s"
    )
    try:
        code: int = args.func(args)
        return code
    except ConfigError as err:
        print(f"Configuration error{'s' if len(err.problems) > 1 else ''}:", file=sys.stderr)
        for problem in err.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hearth", description="Hearth, a local-first home assistant.")
    parser.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the hub")
    serve.add_argument("--config", default=DEFAULT_CONFIG, help="config folder (default: %(default)s)")
    serve.add_argument("--simulate", action="store_true", help="also play the configured devices (demo)")
    serve.set_defaults(func=_serve)

    check = sub.add_parser("check", help="validate a config folder")
    check.add_argument("--config", default=DEFAULT_CONFIG)
    check.set_defaults(func=_check)

    say = sub.add_parser("say", help="send text runs (or .wav recordings) to a hub and print the events")
    say.add_argument(
        "text", nargs="+", help="one or more utterances, sent in one session; a .wav file is sent as speech"
    )
    say.add_argument("--config", default=None, help="read the URL and a client token from this config folder")
    say.add_argument("--client", default=None, help="which client of the config to speak as")
    say.add_argument(
        "--url", default=None, help="hub URL (default: from --config, or ws://127.0.0.1:8765/ws)"
    )
    say.add_argument("--area", default=None, help="the area to speak from")
    say.add_argument("--cafile", default=None, help="CA certificate to trust for wss://")
    say.add_argument("--json", action="store_true", help="print raw JSON events")
    say.add_argument("--context", action="store_true", help="print the session's context window at the end")
    say.add_argument("--timeout", type=float, default=15.0)
    say.set_defaults(func=_say)

    simulate = sub.add_parser("simulate", help="play the devices of a config on MQTT")
    simulate.add_argument("--config", default=DEFAULT_CONFIG)
    simulate.add_argument("--broker", default=None, help="mqtt://host:port (default: from hearth.yaml)")
    simulate.add_argument(
        "--unresponsive", default="", help="comma-separated device ids that ignore commands"
    )
    simulate.add_argument("--delay", type=float, default=0.0, help="seconds before a device reports")
    simulate.set_defaults(func=_simulate)

    train = sub.add_parser("train", help="rebuild the intent classifier of a config (with a progress bar)")
    train.add_argument("--config", default=DEFAULT_CONFIG)
    train.set_defaults(func=_train)

    bench = sub.add_parser("bench", help="measure recognition and end-to-end latency")
    bench.add_argument("--quick", action="store_true", help="fewer iterations (a smoke run)")
    bench.add_argument(
        "--only",
        default=None,
        help="comma-separated: recognition, understanding, pipeline, accuracy, audio, tts, startup, caches, "
        "automations",
    )
    bench.add_argument(
        "--asr-model", default=None, help="also measure faster-whisper with this model folder (audio)"
    )
    bench.set_defaults(func=_bench)

    cache = sub.add_parser(
        "cache", help="show or clear the on-disk caches (classifier, templates, recognition, grammar, tts)"
    )
    cache.add_argument("action", choices=["stats", "clear"])
    cache.add_argument("layers", nargs="*", help="which layers to clear (default: all)")
    cache.set_defaults(func=_cache)

    models = sub.add_parser("models", help="list, download (pull NAME) and verify speech models and voices")
    models.add_argument("action", choices=["list", "pull", "verify"])
    models.add_argument("name", nargs="?", help="the model to pull (see `hearth models list`)")
    models.add_argument("--config", default=DEFAULT_CONFIG, help="config folder (its hearth.yaml is edited)")
    models.add_argument("--dir", default=None, help="models folder (default: models/ in the config folder)")
    models.add_argument("--base-url", default=None, help="host or mirror (default: huggingface.co)")
    models.add_argument("--no-config", action="store_true", help="pull without editing hearth.yaml")
    models.add_argument("--urls", action="store_true", help="list: also print every file's URL")
    models.set_defaults(func=_models)

    from .adapt_cli import add_parser as add_adapt_parser
    from .automation_history import add_parser as add_automations_parser

    add_adapt_parser(sub, DEFAULT_CONFIG)

    add_automations_parser(sub, DEFAULT_CONFIG)
    _add_lan_commands(sub)
    return parser


def _check(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    devices = config.devices
    print(f"{config.directory}: OK")
    print(f"  {len(devices.devices)} devices in {len(devices.areas)} areas")
    print(f"  {len(config.hub.clients)} clients: {', '.join(c.name for c in config.hub.clients)}")
    print(f"  intents: {len(config.intents.intent_names())} ({len(config.intent_files)} custom files)")
    broker = (
        "managed (the hub runs Mosquitto)"
        if config.mqtt.managed
        else f"{config.mqtt.host}:{config.mqtt.port}"
    )
    print(f"  hub: {'wss' if config.hub.tls else 'ws'}://{config.hub.listen}/ws, MQTT broker: {broker}")
    tts = config.tts
    print(f"  spoken replies: {tts.engine}{f' ({tts.voice})' if tts.voice else ''}")
    llm = config.llm
    print(f"  language model: {f'{llm.model} at {llm.url}' if llm else 'none (local understanding only)'}")
    print(f"  automations: {len(config.automations.automations)}")
    for warning in config_warnings(config):
        print(f"  warning: {warning}")
    return 0


def config_warnings(config: HearthConfig) -> list[str]:
    """Things that work but are risky."""
    warnings = []
    if not is_loopback(config.hub.host) and config.hub.tls is None:
        warnings.append(
            f"hub listens on {config.hub.host} without TLS: tokens cross the network in clear text"
        )
    return warnings


def _serve(args: argparse.Namespace) -> int:
    from .hub import Hub, run_hub

    config = load_config(args.config)
    for warning in config_warnings(config):
        print(f"warning: {warning}", file=sys.stderr)

    def ready(hub: Hub) -> None:
        scheme = "wss" if config.hub.tls else "ws"
        page = "https" if config.hub.tls else "http"
        host = config.hub.listen.rsplit(":", 1)[0]
        base = f"{host}:{hub.port}"
        mqtt_host, mqtt_port = hub.broker_address
        print(f"Hearth is listening on {scheme}://{base}/ws  (page: {page}://{base}/)")
        if config.hub.host in ("0.0.0.0", "::"):
            # Every interface: say where phones and satellites on the LAN find it, not 0.0.0.0.
            from .certs import local_ipv4_addresses

            for address in local_ipv4_addresses():
                print(f"  on the LAN: {page}://{address}:{hub.port}/")
            if config.hub.tls:
                print(f"  the CA for phones to trust: {page}://<this host>:{hub.port}/ca.pem")
        print(
            f"MQTT broker: mqtt://{mqtt_host}:{mqtt_port}{' (managed)' if config.mqtt.managed else ''}"
            f"{'; device simulator running' if args.simulate else ''}"
        )
        print(f'Try:  hearth say --config {args.config} "turn on the kitchen light"', flush=True)

    return _run_until_signal(run_hub(config, simulate=args.simulate, ready=ready))


def _run_until_signal(coro: Any) -> int:
    async def runner() -> None:
        task = asyncio.ensure_future(coro)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await task

    try:
        asyncio.run(runner())
    except Exception as err:  # start-up failures (broker missing, port taken) get a clear line, not a trace
        print(f"hearth: {err}", file=sys.stderr)
        return 1
    return 0


def _say(args: argparse.Namespace) -> int:
    from .say import SayOptions, say
    from .speech.corpus import CorpusError

    url, token, cafile = args.url, os.environ.get("HEARTH_TOKEN"), args.cafile
    if args.config is not None:
        config = load_config(args.config)
        if url is None:
            scheme = "wss" if config.hub.tls else "ws"
            url = f"{scheme}://{config.hub.listen}/ws"
        clients = config.hub.clients
        chosen = next((c for c in clients if c.name == args.client), None) if args.client else clients[0]
        if chosen is None:
            print(f"hearth: no client {args.client!r} in {args.config}/hearth.yaml", file=sys.stderr)
            return 2
        token = token or chosen.token
    if token is None:
        print("hearth: give --config DIR or set HEARTH_TOKEN to a client token", file=sys.stderr)
        return 2
    context = ssl.create_default_context(cafile=cafile) if cafile else None
    options = SayOptions(
        url=url or "ws://127.0.0.1:8765/ws",
        token=token,
        texts=tuple(args.text),
        area=args.area,
        as_json=args.json,
        show_context=args.context,
        timeout=args.timeout,
        tls=context,
    )
    try:
        return asyncio.run(say(options))
    except (OSError, TimeoutError) as err:
        print(f"hearth: cannot talk to the hub at {options.url}: {err or 'timed out'}", file=sys.stderr)
        return 1
    except CorpusError as err:
        print(f"hearth: {err}", file=sys.stderr)
        return 2


def _simulate(args: argparse.Namespace) -> int:
    from .simulate import run_simulator

    config = load_config(args.config)
    unresponsive = frozenset(filter(None, (s.strip() for s in args.unresponsive.split(","))))
    return _run_until_signal(run_simulator(config, args.broker, unresponsive, args.delay))


def _train(args: argparse.Namespace) -> int:
    import time

    from .bench import progress_bar
    from .pipeline import load_classifier

    config = load_config(args.config)
    started = time.perf_counter()
    layer, _trained = load_classifier(
        config, progress=progress_bar("training the intent classifier"), force=True
    )
    labels = len(layer.classifier.labels)
    print(f"Trained the intent classifier ({labels} classes) in {time.perf_counter() - started:.1f} s")
    return 0


def _cache(args: argparse.Namespace) -> int:
    from intents.classifier import default_cache_dir

    from .caches import clear, human_bytes, stats

    root = default_cache_dir()
    if args.action == "clear":
        try:
            removed = clear(root, args.layers or None)
        except ValueError as err:
            print(f"hearth: {err}", file=sys.stderr)
            return 2
        for name, count in removed.items():
            print(f"{name}: removed {count} file{'s' if count != 1 else ''}")
        return 0
    print(f"cache folder: {root} (set HEARTH_CACHE_DIR to move it)")
    for found in stats(root):
        size = human_bytes(found.bytes)
        print(f"  {found.layer.name:<11} {found.files:>6} files {size:>10}  {found.layer.description}")
    return 0


def _add_lan_commands(sub: Any) -> None:
    """`hearth certs` and `hearth satellite` (their options live with their code)."""
    from .satellite_cli import add_parsers

    add_parsers(sub)


def _models(args: argparse.Namespace) -> int:
    from .models import command

    return command(args)


def _bench(args: argparse.Namespace) -> int:
    from .bench import run_benchmarks

    only = set(args.only.split(",")) if args.only else None
    return run_benchmarks(quick=args.quick, only=only, asr_model=args.asr_model)


def dump(event: dict[str, Any]) -> str:
    """Compact JSON for printing."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)


if __name__ == "__main__":
    sys.exit(main())
