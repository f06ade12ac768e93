"""`hearth certs` and the hub on a LAN: a CA and server certificate browsers accept, wss:// with hostname
verification, hearth.yaml edited in place, the CA served at /ca.pem, and no token in any log line."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import json
import logging
import ssl
import stat
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError
from websockets.asyncio.client import connect

from assistant.certs import CertError, create_certs, public_ca_pem
from assistant.cli import config_warnings, main
from assistant.config import load_config
from assistant.hub import Hub
from assistant.yamledit import YamlEditError, set_yaml_values
from tests.assistant.conftest import KITCHEN_TOKEN, make_home

NAMES = ["localhost", "hub.lan"]
IPS = ["127.0.0.1", "192.168.1.5"]


def load(folder: Path, name: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate((folder / name).read_bytes())


def verify(folder: Path, subject: x509.verification.Subject) -> None:
    """Verify hub.pem against ca.pem with the web-PKI rules of cryptography's verifier."""
    store = Store([load(folder, "ca.pem")])
    verifier = PolicyBuilder().store(store).build_server_verifier(subject)
    verifier.verify(load(folder, "hub.pem"), [])


def test_the_certificates_satisfy_browsers(tmp_path: Path) -> None:
    result = create_certs(tmp_path, NAMES, IPS, 397)
    folder = result.folder

    for subject in (x509.DNSName("hub.lan"), x509.DNSName("localhost")):
        verify(folder, subject)
    verify(folder, x509.IPAddress(ipaddress.ip_address("192.168.1.5")))
    with pytest.raises(VerificationError):
        verify(folder, x509.DNSName("elsewhere.lan"))

    hub = load(folder, "hub.pem")
    lifetime = hub.not_valid_after_utc - hub.not_valid_before_utc
    assert lifetime <= dt.timedelta(days=397, hours=1)
    assert hub.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value == x509.ExtendedKeyUsage(
        [ExtendedKeyUsageOID.SERVER_AUTH]
    )
    san = hub.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == NAMES
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == IPS
    assert hub.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    ca_constraints = load(folder, "ca.pem").extensions.get_extension_for_class(x509.BasicConstraints)
    assert ca_constraints.critical and ca_constraints.value.ca
    for key in ("ca-key.pem", "hub-key.pem"):
        assert stat.S_IMODE((folder / key).stat().st_mode) == 0o600
        assert b"PRIVATE KEY" in (folder / key).read_bytes()
    for cert in ("ca.pem", "hub.pem"):
        assert b"PRIVATE" not in (folder / cert).read_bytes()


def test_a_second_run_keeps_the_ca_and_force_replaces_it(tmp_path: Path) -> None:
    first = create_certs(tmp_path, NAMES, IPS, 30)
    old_hub = (first.folder / "hub.pem").read_bytes()

    again = create_certs(tmp_path, [*NAMES, "kitchen.lan"], IPS, 30)
    assert again.ca_reused and again.ca_fingerprint == first.ca_fingerprint
    assert (first.folder / "hub.pem").read_bytes() != old_hub
    verify(first.folder, x509.DNSName("kitchen.lan"))  # the new certificate, from the same CA

    forced = create_certs(tmp_path, NAMES, IPS, 30, force=True)
    assert not forced.ca_reused and forced.ca_fingerprint != first.ca_fingerprint
    verify(first.folder, x509.DNSName("hub.lan"))


@pytest.mark.parametrize(
    ("names", "ips", "days", "code"),
    [
        (NAMES, IPS, 398, "cert-bad-days"),
        (NAMES, IPS, 0, "cert-bad-days"),
        (["bad name"], [], 30, "cert-bad-name"),
        (NAMES, ["hub.lan"], 30, "cert-bad-ip"),
    ],
)
def test_bad_requests_are_refused_with_a_code(
    tmp_path: Path, names: list[str], ips: list[str], days: int, code: str
) -> None:
    with pytest.raises(CertError) as refused:
        create_certs(tmp_path, names, ips, days)
    assert refused.value.code == code


def test_a_ca_whose_key_does_not_match_is_not_used(tmp_path: Path) -> None:
    create_certs(tmp_path, NAMES, IPS, 30)
    other = tmp_path / "other"
    create_certs(other, NAMES, IPS, 30)
    (tmp_path / "certs" / "ca-key.pem").write_bytes((other / "certs" / "ca-key.pem").read_bytes())

    with pytest.raises(CertError) as refused:
        create_certs(tmp_path, NAMES, IPS, 30)
    assert refused.value.code == "cert-ca-mismatch"
    assert "--force" in refused.value.message


def test_the_command_points_hearth_yaml_at_the_files_keeping_comments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_home(tmp_path, None)
    original = (config / "hearth.yaml").read_text()

    assert main(["certs", "--config", str(config), "--name", "hub.lan", "--ip", "10.0.0.7"]) == 0
    out = capsys.readouterr().out
    edited = (config / "hearth.yaml").read_text()
    assert "  tls:\n    cert: certs/hub.pem\n    key: certs/hub-key.pem\n" in edited
    assert [
        line for line in edited.splitlines() if not line.startswith(("  tls:", "    cert:", "    key:"))
    ] == (original.splitlines())
    settings = load_config(config).hub.tls
    assert settings is not None and settings.cert == config / "certs" / "hub.pem"
    for words in ("Android", "iPhone", "Firefox", "0.0.0.0", "/ca.pem", "SHA-256 fingerprint", "--ca"):
        assert words in out, words
    verify(config / "certs", x509.IPAddress(ipaddress.ip_address("10.0.0.7")))

    assert main(["certs", "--config", str(config)]) == 0
    assert "CA kept" in capsys.readouterr().out
    assert (config / "hearth.yaml").read_text() == edited


def test_bad_options_exit_2_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = make_home(tmp_path, None)
    assert main(["certs", "--config", str(config), "--days", "800"]) == 2
    assert "397" in capsys.readouterr().err
    assert not (config / "certs").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "hub:\n  listen: x  # where\n  clients: []\n",
            "hub:\n  listen: x  # where\n  tls:\n    cert: c.pem\n    key: k.pem\n  clients: []\n",
        ),
        ("language: en\n", "language: en\n\nhub:\n  tls:\n    cert: c.pem\n    key: k.pem\n"),
        (
            "hub:\n  tls:\n    cert: old.pem  # mine\n  listen: x\n",
            "hub:\n  tls:\n    cert: c.pem  # mine\n    key: k.pem\n  listen: x\n",
        ),
        ("hub:\n  tls:\n  listen: x\n", "hub:\n  tls:\n    cert: c.pem\n    key: k.pem\n  listen: x\n"),
    ],
)
def test_nested_yaml_edits_touch_only_their_keys(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "hearth.yaml"
    path.write_text(text)
    set_yaml_values(path, [(("hub", "tls", "cert"), "c.pem"), (("hub", "tls", "key"), "k.pem")])
    assert path.read_text() == expected


def test_a_flow_mapping_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "hearth.yaml"
    path.write_text("hub: {listen: x}\n")
    with pytest.raises(YamlEditError, match=r"set hub\.tls\.cert: c\.pem by hand"):
        set_yaml_values(path, [(("hub", "tls", "cert"), "c.pem")])
    assert path.read_text() == "hub: {listen: x}\n"


def test_listening_on_the_lan_without_tls_is_a_warning(tmp_path: Path) -> None:
    config = make_home(tmp_path, None)
    hearth = config / "hearth.yaml"
    hearth.write_text(hearth.read_text().replace('listen: "127.0.0.1:0"', 'listen: "0.0.0.0:8765"'))
    [warning] = config_warnings(load_config(config))
    assert "0.0.0.0 without TLS" in warning

    assert main(["certs", "--config", str(config)]) == 0
    assert config_warnings(load_config(config)) == []


# ---- a real hub -----------------------------------------------------------------------------------------


@pytest.fixture
async def tls_hub(tmp_path: Path, mosquitto: tuple[str, int]) -> AsyncIterator[Hub]:
    config = make_home(tmp_path, mosquitto)
    assert main(["certs", "--config", str(config), "--name", "localhost"]) == 0
    hub = Hub(load_config(config))
    await hub.start()
    try:
        yield hub
    finally:
        await hub.stop()


# The tests read only the frames they need: max_queue=None keeps the unread snapshot of device states from
# pausing the socket, which would hold up the close handshake until its timeout.


def trusting(hub: Hub) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(hub.config.directory / "certs" / "ca.pem"))


async def test_the_hub_serves_wss_to_clients_that_trust_the_ca(tls_hub: Hub) -> None:
    context = trusting(tls_hub)
    for host in ("localhost", "127.0.0.1"):
        async with connect(f"wss://{host}:{tls_hub.port}/ws", ssl=context, max_queue=None) as ws:
            await ws.send(json.dumps({"type": "hello", "token": KITCHEN_TOKEN}))
            assert json.loads(await ws.recv())["type"] == "welcome"

    with pytest.raises(ssl.SSLCertVerificationError):  # the system's CAs do not know ours
        await connect(f"wss://localhost:{tls_hub.port}/ws", ssl=ssl.create_default_context())
    with pytest.raises(ssl.SSLCertVerificationError, match=r"[Hh]ostname"):  # hostnames are still checked
        await connect(f"wss://127.0.0.1:{tls_hub.port}/ws", ssl=context, server_hostname="elsewhere.lan")


async def test_the_hub_serves_only_the_public_ca_certificate(tls_hub: Hub) -> None:
    url = f"https://localhost:{tls_hub.port}/ca.pem"

    def fetch() -> tuple[str, bytes]:
        with urllib.request.urlopen(url, context=trusting(tls_hub), timeout=5) as response:
            return response.headers["Content-Type"], response.read()

    content_type, body = await asyncio.to_thread(fetch)
    assert content_type == "application/x-x509-ca-cert"
    assert body == public_ca_pem(tls_hub.config.directory)
    assert x509.load_pem_x509_certificate(body) == load(tls_hub.config.directory / "certs", "ca.pem")
    assert b"PRIVATE" not in body


async def test_tokens_never_reach_the_logs(tls_hub: Hub, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    context = trusting(tls_hub)
    base = f"wss://localhost:{tls_hub.port}/ws"
    async with connect(base, ssl=context, max_queue=None) as ws:
        # The token last, after a long value, so websockets' shortened frame log would cut it in two.
        hello = {"type": "hello", "client": "x" * 60, "token": KITCHEN_TOKEN}
        await ws.send(json.dumps(hello))
        assert json.loads(await ws.recv())["type"] == "welcome"
        await ws.send(json.dumps({"type": "run", "id": "r1", "text": "what time is it"}))
        while json.loads(await ws.recv())["type"] != "run-end":
            pass
    async with connect(base, ssl=context, max_queue=None) as ws:
        await ws.send(json.dumps({"type": "hello", "token": "wrong-token-5f3e2a"}))
        assert json.loads(await ws.recv())["code"] == "unauthorized"
    async with connect(f"{base}?token={KITCHEN_TOKEN}", ssl=context, max_queue=None) as ws:
        await ws.send(json.dumps({"type": "hello", "token": KITCHEN_TOKEN}))
        await ws.recv()

    # The test's own client (plain websockets) logs what it sends; everything the hub logged is checked.
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "websockets.client")
    assert "hello" in logged and "GET /ws?token=" in logged
    for secret in (KITCHEN_TOKEN, KITCHEN_TOKEN[:12], KITCHEN_TOKEN[-8:], "wrong-token"):
        assert secret not in logged, secret
