"""`hearth certs`: a local certificate authority and a hub certificate for wss:// and https:// on a LAN."""

from __future__ import annotations

import argparse
import datetime as dt
import ipaddress
import os
import re
import socket
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from intents.cachefiles import write_atomic

from .webpage import StaticFile
from .yamledit import YamlEditError, get_yaml_value, set_yaml_values

CERTS_DIR = "certs"
CA_CERT, CA_KEY, HUB_CERT, HUB_KEY = "ca.pem", "ca-key.pem", "hub.pem", "hub-key.pem"
CA_URL_PATH = "/ca.pem"  # where the hub serves the public CA certificate for phones to install
MAX_SERVER_DAYS = 397  # browsers refuse TLS server certificates valid for longer
CA_DAYS = 3650
CLOCK_SKEW = dt.timedelta(hours=1)  # a device whose clock is a little behind still accepts a new cert
# Nothing is sent: connecting a UDP socket only asks the kernel which local address routes there.
_PROBE_ADDRESSES = ("192.0.2.1", "10.255.255.255")
_DNS_NAME = re.compile(r"(?=.{1,253}$)(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?)+")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class CertError(Exception):
    """A certificate problem with a stable code and a message saying what to do."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class CertResult:
    """What `create_certs` made."""

    folder: Path
    names: tuple[str, ...]
    ips: tuple[str, ...]
    ca_reused: bool
    ca_fingerprint: str  # SHA-256, colon-separated hex: compare it on the phone before trusting
    not_after: dt.datetime

    @property
    def ca_path(self) -> Path:
        return self.folder / CA_CERT


def local_ipv4_addresses() -> list[str]:
    """This machine's non-loopback IPv4 addresses, found without sending anything on the network."""
    found: list[str] = []
    for probe in _PROBE_ADDRESSES:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            try:
                sock.connect((probe, 9))
                found.append(sock.getsockname()[0])
            except OSError:
                continue
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        infos = []
    found += [str(info[4][0]) for info in infos]
    usable = (ip for ip in found if not ipaddress.ip_address(ip).is_loopback and ip != "0.0.0.0")
    return list(dict.fromkeys(usable))


def default_names() -> tuple[list[str], list[str]]:
    """The names and IPs a hub is reached by: localhost, the host name, <host>.local and LAN addresses."""
    host = socket.gethostname()
    names = ["localhost", host, f"{host.split('.')[0]}.local"]
    return [n for n in dict.fromkeys(names) if _DNS_NAME.fullmatch(n)], ["127.0.0.1", *local_ipv4_addresses()]


def split_names(names: Iterable[str], ips: Iterable[str]) -> tuple[list[str], list[Address]]:
    """Validate names and IPs (an IP given as a name counts as an IP); duplicates are dropped."""
    dns: list[str] = []
    addresses: list[Address] = []
    for text in ips:
        try:
            addresses.append(ipaddress.ip_address(text))
        except ValueError as err:
            raise CertError("cert-bad-ip", f"{text!r} is not an IP address") from err
    for text in names:
        try:
            addresses.append(ipaddress.ip_address(text))
        except ValueError:
            if not _DNS_NAME.fullmatch(text):
                raise CertError(
                    "cert-bad-name", f"{text!r} is neither a host name nor an IP address"
                ) from None
            dns.append(text.lower().rstrip("."))
    return list(dict.fromkeys(dns)), list(dict.fromkeys(addresses))


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Hearth"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common[:64])])  # fmt: skip


def make_ca(now: dt.datetime, label: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A new CA that may sign server certificates only (path length 0)."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key()
    name = _name(f"Hearth local CA ({label})")
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def make_server_cert(
    ca: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    dns: list[str],
    ips: list[Address],
    days: int,
    now: dt.datetime,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A TLS server certificate for these names, signed by the CA, within what browsers accept."""
    _check_request(dns, ips, days)
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key()
    alternative: list[x509.GeneralName] = [x509.DNSName(n) for n in dns]
    alternative += [x509.IPAddress(ip) for ip in ips]
    ca_ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(dns[0] if dns else str(ips[0])))
        .issuer_name(ca.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(min(now + dt.timedelta(days=days), ca.not_valid_after_utc))
        .add_extension(x509.SubjectAlternativeName(alternative), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def _check_request(dns: list[str], ips: list[Address], days: int) -> None:
    if not 1 <= days <= MAX_SERVER_DAYS:
        raise CertError("cert-bad-days", f"--days must be 1 to {MAX_SERVER_DAYS}: browsers refuse longer")
    if not dns and not ips:
        raise CertError("cert-bad-name", "a certificate needs at least one name or IP address")


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 fingerprint as phones and browsers show it."""
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def load_ca(folder: Path, now: dt.datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None:
    """The CA kept in `folder`, or None when there is none yet; a broken or expired one is an error."""
    cert_path, key_path = folder / CA_CERT, folder / CA_KEY
    if not cert_path.exists() and not key_path.exists():
        return None
    hint = "run `hearth certs --force` for a new CA (phones must then trust the new one)"
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError) as err:
        raise CertError("cert-ca-unreadable", f"cannot read the CA in {folder} ({err}); {hint}") from err
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.public_key() != cert.public_key():
        raise CertError("cert-ca-mismatch", f"{key_path} is not the key of {cert_path}; {hint}")
    if cert.not_valid_after_utc <= now + dt.timedelta(days=30):
        raise CertError("cert-ca-expired", f"the CA in {cert_path} expires soon or has expired; {hint}")
    return cert, key


def _write_pem(path: Path, data: bytes, *, private: bool) -> None:
    # write_atomic's temporary file is created 0600, so a key is never readable by others, not even briefly.
    write_atomic(path, data)
    os.chmod(path, 0o600 if private else 0o644)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def create_certs(
    config_dir: Path, names: Iterable[str], ips: Iterable[str], days: int, *, force: bool = False
) -> CertResult:
    """Make (or reuse) the CA in <config>/certs and a new hub certificate for `names` and `ips`."""
    dns, addresses = split_names(names, ips)
    _check_request(dns, addresses, days)
    folder = config_dir / CERTS_DIR
    now = dt.datetime.now(dt.UTC)
    existing = None if force else load_ca(folder, now)
    if existing is None:
        ca, ca_key = make_ca(now, socket.gethostname())
        folder.mkdir(parents=True, exist_ok=True)
        _write_pem(folder / CA_KEY, _key_pem(ca_key), private=True)
        _write_pem(folder / CA_CERT, ca.public_bytes(serialization.Encoding.PEM), private=False)
    else:
        ca, ca_key = existing
    cert, key = make_server_cert(ca, ca_key, dns, addresses, days, now)
    _write_pem(folder / HUB_KEY, _key_pem(key), private=True)
    _write_pem(folder / HUB_CERT, cert.public_bytes(serialization.Encoding.PEM), private=False)
    return CertResult(
        folder,
        tuple(dns),
        tuple(str(ip) for ip in addresses),
        existing is not None,
        fingerprint(ca),
        cert.not_valid_after_utc,
    )


def public_ca_pem(config_dir: Path) -> bytes | None:
    """The CA certificate of <config>/certs re-encoded from its parsed form, so no key can ever leak."""
    try:
        cert = x509.load_pem_x509_certificate((config_dir / CERTS_DIR / CA_CERT).read_bytes())
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except (OSError, ValueError, x509.ExtensionNotFound):
        return None
    return cert.public_bytes(serialization.Encoding.PEM) if constraints.ca else None


def ca_download(config_dir: Path) -> dict[str, StaticFile]:
    """The hub's /ca.pem page when `hearth certs` made a CA for this config folder (else nothing)."""
    pem = public_ca_pem(config_dir)
    return {} if pem is None else {CA_URL_PATH: StaticFile(pem, "application/x-x509-ca-cert")}


# --- the command line -------------------------------------------------------------------------------------


def command(args: argparse.Namespace) -> int:
    """`hearth certs`: create the files, point hearth.yaml at them and say how to trust the CA."""
    config_dir = Path(args.config).expanduser().resolve()
    if not config_dir.is_dir():
        print(f"hearth: config folder {config_dir} does not exist", file=sys.stderr)
        return 2
    names, ips = default_names()
    try:
        result = create_certs(config_dir, [*names, *args.name], [*ips, *args.ip], args.days, force=args.force)
    except CertError as err:
        print(f"hearth: {err.message}", file=sys.stderr)
        return 2
    ca_state = "kept (already trusted devices stay valid)" if result.ca_reused else "created"
    print(f"CA {ca_state}: {result.ca_path}  (key: {result.folder / CA_KEY}, keep it private)")
    print(f"  SHA-256 fingerprint: {result.ca_fingerprint}")
    print(f"Hub certificate: {result.folder / HUB_CERT}  (valid until {result.not_after:%Y-%m-%d})")
    print(f"  for: {', '.join([*result.names, *result.ips])}")
    code = _point_config(config_dir)
    print(trust_instructions(result, _listen(config_dir)))
    return code


def _point_config(config_dir: Path) -> int:
    hearth = config_dir / "hearth.yaml"
    values = [
        (("hub", "tls", "cert"), f"{CERTS_DIR}/{HUB_CERT}"),
        (("hub", "tls", "key"), f"{CERTS_DIR}/{HUB_KEY}"),
    ]
    if not hearth.is_file():
        print(f"note: no {hearth}; set hub.tls.cert: {values[0][1]} and hub.tls.key: {values[1][1]}")
        return 0
    try:
        changes = set_yaml_values(hearth, values)
    except YamlEditError as err:
        print(f"hearth: {err}", file=sys.stderr)
        return 1
    for change in changes:
        print(f"{hearth}: {change.key}: {change.old or '(unset)'} -> {change.new}")
    if not changes:
        print(f"{hearth} already uses these files (restart the hub to load the new certificate)")
    return 0


def _listen(config_dir: Path) -> str:
    try:
        return get_yaml_value(config_dir / "hearth.yaml", ("hub", "listen")) or "127.0.0.1:8765"
    except (OSError, YamlEditError):
        return "127.0.0.1:8765"


def trust_instructions(result: CertResult, listen: str) -> str:
    """How to reach the hub from the LAN and make phones and browsers trust the CA."""
    host, _, port = listen.rpartition(":")
    lan = result.ips[1] if len(result.ips) > 1 else (result.names[1] if len(result.names) > 1 else "HUB")
    url = f"https://{lan}:{port or 8765}"
    lines = ["", "Next steps:"]
    if host.strip("[]") in ("127.0.0.1", "localhost", "::1"):
        lines.append(f"  - The hub listens on {listen}: this machine only. For the LAN, in hearth.yaml set")
        lines.append(f'    hub.listen: "0.0.0.0:{port}" (every interface) or this machine\'s LAN address.')
    lines += [
        f"  - Restart the hub (hearth serve): the page is at {url}/, the socket at wss://{lan}:{port}/ws",
        f"  - Trust the CA once on every device (compare the fingerprint above). It is at {url}{CA_URL_PATH}",
        "    (the browser warns until the CA is trusted: continue once, for this download only).",
        "  Android: download ca.pem, then Settings > Security > More security settings >",
        "    Encryption & credentials > Install a certificate > CA certificate, and pick the file.",
        "  iPhone/iPad: open the URL in Safari and allow the download; install the profile in Settings >",
        "    General > VPN & Device Management; then turn on full trust for it in Settings > General >",
        "    About > Certificate Trust Settings.",
        "  Firefox: Settings > Privacy & Security > Certificates > View Certificates > Authorities > Import",
        "    (tick 'Trust this CA to identify websites').",
        "  Chrome/Edge: Settings > Privacy and security > Security > Manage certificates > import ca.pem",
        "    as a trusted root (Authorities / Trusted Root Certification Authorities).",
        "  Linux: sudo cp ca.pem /usr/local/share/ca-certificates/hearth-ca.crt; sudo update-ca-certificates",
        "  macOS: sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain \\",
        "    ca.pem",
        "  Windows: certutil -addstore -f ROOT ca.pem",
        f"  Satellites: hearth satellite --url wss://{lan}:{port}/ws --ca {result.ca_path}",
        "  Never copy ca-key.pem or hub-key.pem to another device.",
    ]
    return "\n".join(lines)
