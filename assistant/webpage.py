"""What the hub serves to browsers: the page's static files (a fixed table) and the home description."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from devices.config import DevicesConfig

from .events import HomeEvent

# URL path -> (file in assistant/web, content type). Nothing outside this table is served: no path is
# ever joined onto a directory, so there is nothing to traverse.
FILES: dict[str, tuple[str, str]] = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/index.html": ("index.html", "text/html; charset=utf-8"),
    "/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/mic-worklet.js": ("mic-worklet.js", "text/javascript; charset=utf-8"),
    "/style.css": ("style.css", "text/css; charset=utf-8"),
    "/icon.svg": ("icon.svg", "image/svg+xml"),
}

# No inline script or style, no third-party origin; the WebSocket is same-origin ('self' covers ws/wss).
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; media-src 'self' blob:; worker-src 'self'; manifest-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Permissions-Policy", "microphone=(self), camera=(self), geolocation=()"),
    ("Cache-Control", "no-cache"),
)


@dataclass(frozen=True, slots=True)
class StaticFile:
    """One file of the page, read once when the hub starts."""

    body: bytes
    content_type: str


def load_static() -> dict[str, StaticFile]:
    """Every file of the page by URL path."""
    web = resources.files("assistant").joinpath("web")
    return {
        path: StaticFile(web.joinpath(name).read_bytes(), content_type)
        for path, (name, content_type) in FILES.items()
    }


def home_event(devices: DevicesConfig) -> HomeEvent:
    """Areas and devices with their names and types, in configuration order (for the page's panel)."""
    return HomeEvent(
        areas=[{"id": area.id, "name": area.name} for area in devices.areas],
        devices=[{"id": d.id, "name": d.name, "type": d.type.value, "area": d.area} for d in devices.devices],
    )
