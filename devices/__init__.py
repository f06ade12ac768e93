"""Devices: the registry of state, MQTT conventions, the asyncio MQTT adapter and the simulator."""
