"""The log format of the worker and the API: REPAIRFLOW_LOG_FORMAT text (default) or json.

The JSON formatter is these few lines rather than python-json-logger: it writes a fixed set
of fields and nothing a caller passes in `extra`, so no request body or other payload can
slip into a log line through it."""

import json
import logging
from datetime import UTC, datetime

TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# uvicorn's own loggers keep their handlers apart from the root's
UVICORN = ("uvicorn", "uvicorn.error", "uvicorn.access")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, and the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(log_format: str) -> None:
    """Logs to stderr at INFO in `log_format`, on the root logger and uvicorn's."""
    logging.basicConfig(level=logging.INFO, format=TEXT)
    if log_format != "json":
        return
    formatter = JsonFormatter()
    for name in ("", *UVICORN):
        for handler in logging.getLogger(name).handlers:
            handler.setFormatter(formatter)
