"""Per-client permissions: the areas whose devices a client may control (hearth.yaml `areas:`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from devices.registry import Registry
from intents.recognizer import IntentData
from intents.responses import join_names, render

from ..understanding import Plan

if TYPE_CHECKING:
    from ..config import ClientSpec

FORBIDDEN = "forbidden"
FORBIDDEN_REPLY = "Sorry, {targets} can't be controlled from here"  # `_errors: forbidden` overrides it


def client_areas(clients: Sequence[ClientSpec], name: str) -> frozenset[str] | None:
    """The areas a client may control (None: every area)."""
    for client in clients:
        if client.name == name:
            return client.areas
    return None


def restrict(plan: Plan, allowed: frozenset[str] | None, registry: Registry, data: IntentData) -> Plan:
    """The plan itself when every command is on an allowed device; else a refusal that acts on nothing."""
    if allowed is None:
        return plan
    barred = [c.device_id for c in plan.commands if registry.device(c.device_id).area not in allowed]
    if not barred:
        return plan
    names = join_names([registry.device(d).name for d in dict.fromkeys(barred)])
    template = data.responses.get("_errors", {}).get(FORBIDDEN, FORBIDDEN_REPLY)
    return Plan(reply=render(template, {"targets": names, "target": names}), code=FORBIDDEN)
