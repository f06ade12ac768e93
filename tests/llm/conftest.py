"""Fixtures for the model stage: a scripted OpenAI-compatible server and a hub of the sample home using it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.config import HearthConfig, load_config
from assistant.hub import Hub
from tests.assistant.conftest import make_home, recorder, running_hub  # noqa: F401 (a fixture these tests use)
from tests.llm_server import ScriptedServer, scripted_server
from tests.mqtt_recorder import Recorder

API_KEY = "sk-hearth-test-5f0c2a9d71"
KID_TOKEN = "demo-kid-tablet-3e8b61"  # a client that may only control the bedroom


def llm_section(url: str, **extra: object) -> str:
    """The llm: section of a test home, its key from secrets.yaml."""
    lines = [f"  url: {url}", "  model: scripted-model", "  api_key: !secret llm_key", "  timeout: 1"]
    lines += [f"  {key}: {value}" for key, value in extra.items()]
    return "\nllm:\n" + "\n".join(lines) + "\n"


def llm_home(directory: Path, broker: tuple[str, int], url: str, **extra: object) -> Path:
    """The sample home on a test broker, with a model at `url` and a bedroom-only client."""
    target = make_home(directory, broker)
    hearth = target / "hearth.yaml"
    text = hearth.read_text()
    phone = "      token: demo-phone-91d6b0c3\n"
    assert phone in text
    kid = f"    - name: kid-tablet\n      token: {KID_TOKEN}\n      area: bedroom\n      areas: [bedroom]\n"
    text = text.replace(phone, phone + kid, 1).replace("  # prewarm: 32", "  prewarm: 0")
    hearth.write_text(text + llm_section(url, **extra))
    (target / "secrets.yaml").write_text(f"llm_key: {API_KEY}\n")
    return target


@pytest.fixture
def llm() -> Iterator[ScriptedServer]:
    """A scripted model server; tests put their answers in `llm.script`."""
    with scripted_server() as server:
        yield server


@dataclass
class LlmHome:
    """A running hub whose model is the scripted server."""

    hub: Hub
    config: HearthConfig
    server: ScriptedServer

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.hub.port}/ws"


@pytest.fixture
async def home(
    tmp_path: Path,
    mosquitto: tuple[str, int],
    recorder: Recorder,  # noqa: F811
    llm: ScriptedServer,
    request: pytest.FixtureRequest,
) -> AsyncIterator[LlmHome]:
    """The sample home with `llm:` configured (extra settings via @pytest.mark.llm_settings(...))."""
    marker = request.node.get_closest_marker("llm_settings")
    extra = marker.kwargs if marker else {}
    config = load_config(llm_home(tmp_path, mosquitto, llm.url, **extra))
    async with running_hub(config, mosquitto, recorder) as hub:
        yield LlmHome(hub, config, llm)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "llm_settings(**settings): extra keys of the test home's llm: section")
