"""Tests of automations: the sans-I/O core and the hub adapter."""
