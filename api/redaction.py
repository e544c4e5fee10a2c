"""Tracking tokens kept out of what staff read and what the logs keep: a token lets its
holder decide the customer's quote, so only the customer's own messages carry it whole."""

import logging
import re
from typing import overload

TOKEN = re.compile(r"(/track/)[A-Za-z0-9_.\-]+")


@overload
def redact(text: str) -> str: ...
@overload
def redact(text: None) -> None: ...
def redact(text: str | None) -> str | None:
    return TOKEN.sub(r"\1…", text) if text else text


class RedactTokens(logging.Filter):
    """On uvicorn's access log (whose arguments hold the path) and the API's own."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install() -> None:
    for name in ("uvicorn.access", "uvicorn.error", "repairflow.api"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
