"""Keep client tokens out of logs: a filter for the loggers that see WebSocket frames and HTTP headers."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from websockets.frames import Frame, Opcode

MASK = "***"
_JSON_TOKEN = re.compile(r'("token"\s*:\s*")[^"]*')
_QUERY_TOKEN = re.compile(r"(token=)[^&\s'\"]*", re.IGNORECASE)
_SECRET_HEADER = re.compile(
    r"^([<>] (?:authorization|proxy-authorization|cookie|set-cookie): ).*$", re.I | re.M
)


def redact(text: str) -> str:
    """`text` with tokens in JSON, query strings and credential headers masked."""
    text = _JSON_TOKEN.sub(rf"\g<1>{MASK}", text)
    text = _QUERY_TOKEN.sub(rf"\g<1>{MASK}", text)
    return _SECRET_HEADER.sub(rf"\g<1>{MASK}", text)


def _redact_frame(frame: Frame) -> Frame:
    """A text frame with its token masked in the whole payload (the log shows it shortened)."""
    data = bytes(frame.data)
    try:
        event = json.loads(data)
    except ValueError:
        return Frame(frame.opcode, redact(data.decode("utf-8", "replace")).encode(), frame.fin)
    if isinstance(event, dict) and "token" in event:
        event["token"] = MASK
    return Frame(frame.opcode, json.dumps(event).encode(), frame.fin)


def _redact_arg(arg: Any) -> Any:
    # websockets logs Frame objects and shortens their payload only when formatting: mask the whole
    # payload first, so a token cut in two by the shortening cannot slip through half-visible.
    if isinstance(arg, Frame) and arg.opcode in (Opcode.TEXT, Opcode.CONT) and b"token" in arg.data:
        return _redact_frame(arg)
    return arg


class TokenRedactor(logging.Filter):
    """Rewrites every record of its logger so that no token can be read in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(arg) for arg in record.args)
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def redacted_logger(name: str) -> logging.Logger:
    """The logger `name` with a TokenRedactor attached (once)."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, TokenRedactor) for f in logger.filters):
        logger.addFilter(TokenRedactor())
    return logger
