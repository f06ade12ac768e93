"""The bounded JSONL history of automation runs, and the `hearth automations` command."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

HISTORY_FILE = "automations-history.jsonl"
TRIGGER_NAMES = {"state": "device", "start": "hub start"}
HISTORY_LIMIT = 1000  # runs kept; the file is trimmed to this when it grows to twice as many


def default_history_path() -> Path:
    """Where the hub records runs: in the cache folder (HEARTH_CACHE_DIR)."""
    from intents.classifier import default_cache_dir

    return default_cache_dir() / HISTORY_FILE


@dataclass(slots=True)
class RunRecord:
    """One automation run: its trigger, conditions, actions, outcome and timings."""

    automation: str
    run: int
    trigger: dict[str, Any]
    started: float
    conditions: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    outcome: str = "running"
    finished: float | None = None
    message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON line for this run (times as ISO strings, duration in milliseconds)."""
        out: dict[str, Any] = {
            "automation": self.automation,
            "run": self.run,
            "started": datetime.fromtimestamp(self.started).isoformat(timespec="milliseconds"),
            "duration_ms": round(((self.finished or self.started) - self.started) * 1000, 3),
            "outcome": self.outcome,
            "trigger": self.trigger,
            "conditions": self.conditions,
            "actions": self.actions,
        }
        if self.message:
            out["message"] = self.message
        return out


class History:
    """Appends run records to a JSONL file, keeping at most about `limit` of them."""

    def __init__(self, path: Path, limit: int = HISTORY_LIMIT) -> None:
        self.path = path
        self.limit = limit
        self._lines: int | None = None

    def append(self, record: RunRecord) -> None:
        """Record a finished run; a history that cannot be written is not worth failing a run for."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self._lines is None:
                self._lines = sum(1 for _ in self._read_lines())
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(record.to_dict(), separators=(",", ":"), default=str) + "\n")
            self._lines += 1
            if self._lines >= 2 * self.limit:
                self._trim()
        except OSError:
            return

    def _trim(self) -> None:
        keep = list(self._read_lines())[-self.limit :]
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text("".join(keep), encoding="utf-8")
        os.replace(temporary, self.path)
        self._lines = len(keep)

    def _read_lines(self) -> Iterator[str]:
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as lines:
            yield from lines

    def read(self, limit: int = 20, automation: str | None = None) -> list[dict[str, Any]]:
        """The last `limit` runs (of one automation when given), oldest first."""
        runs: list[dict[str, Any]] = []
        for line in self._read_lines():
            try:
                run = json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash
            if isinstance(run, dict) and (automation is None or run.get("automation") == automation):
                runs.append(run)
        return runs[-limit:] if limit > 0 else runs


def add_parser(sub: Any, default_config: str) -> None:
    """Add `hearth automations list|history` to the CLI."""
    parser = sub.add_parser("automations", help="list the automations of a config, or show recent runs")
    parser.add_argument("action", choices=["list", "history"])
    parser.add_argument("--config", default=default_config, help="config folder (list)")
    parser.add_argument("--limit", type=int, default=20, help="how many runs to show (history)")
    parser.add_argument("--id", default=None, help="only the runs of this automation (history)")
    parser.add_argument("--json", action="store_true", help="print raw JSON lines (history)")
    parser.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    """Run `hearth automations`."""
    if args.action == "list":
        from .config import load_config

        config = load_config(args.config)
        print(f"{len(config.automations.automations)} automations in {config.directory / 'automations.yaml'}")
        for automation in config.automations.automations:
            names = (type(t).__name__.removesuffix("Trigger").lower() for t in automation.triggers)
            kinds = ", ".join(dict.fromkeys(TRIGGER_NAMES.get(n, n) for n in names))
            line = f"  {automation.id:<24} {automation.mode.value:<8} triggers: {kinds}"
            print(line + (f" — {automation.description}" if automation.description else ""))
        return 0
    history = History(default_history_path())
    runs = history.read(args.limit, args.id)
    if not runs:
        print(f"no automation runs recorded in {history.path}")
    for run in runs:
        print(json.dumps(run, separators=(",", ":")) if args.json else _format_run(run))
    return 0


def _format_run(run: dict[str, Any]) -> str:
    trigger = run.get("trigger", {})
    cause = ", ".join(f"{k}={v}" for k, v in trigger.items() if k not in ("id", "kind") and v is not None)
    lines = [
        f"{run.get('started', '?')}  {run.get('automation')}  {run.get('outcome')}  "
        f"({run.get('duration_ms', 0):.1f} ms)  trigger: {trigger.get('kind', '?')} {cause}".rstrip()
    ]
    lines += [f"    if {c['condition']}: {'yes' if c['ok'] else 'no'}" for c in run.get("conditions", [])]
    for action in run.get("actions", []):
        mark = "ok" if action.get("ok", True) else f"FAILED {action.get('code') or ''}".strip()
        lines.append(f"    {action.get('action')}: {action.get('detail', '')} [{mark}]")
    if run.get("message"):
        lines.append(f"    {run['message']}")
    return "\n".join(lines)
