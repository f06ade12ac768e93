"""Automations, sans-I/O: automations.yaml schema, triggers, conditions, templates and evaluation."""

from devices.automations.engine import Engine, Fire, LoopGuard, check, same, topic_matches
from devices.automations.model import Automation, AutomationSet, Mode
from devices.automations.parse import AutomationConfigError, Home, normalize_sentence, parse_automations
from devices.automations.schedule import Location

__all__ = [
    "Automation",
    "AutomationConfigError",
    "AutomationSet",
    "Engine",
    "Fire",
    "Home",
    "Location",
    "LoopGuard",
    "Mode",
    "check",
    "normalize_sentence",
    "parse_automations",
    "same",
    "topic_matches",
]
