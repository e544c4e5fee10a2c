"""REPAIRFLOW_LOG_FORMAT=json: one JSON object per log line, with a fixed set of fields."""

import json
import logging
import sys

from observability.logs import JsonFormatter


def record(message: str, *args, exc_info=None, **extra) -> logging.LogRecord:
    made = logging.LogRecord("repairflow.api", logging.WARNING, __file__, 1, message, args, exc_info)
    made.__dict__.update(extra)
    return made


def test_a_json_log_line_is_one_object_with_time_level_logger_and_message():
    line = JsonFormatter().format(record("case %s → %s", "RC-1", "DISPATCH"))
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed.keys() == {"time", "level", "logger", "message"}
    assert parsed["level"] == "WARNING" and parsed["logger"] == "repairflow.api"
    assert parsed["message"] == "case RC-1 → DISPATCH"
    assert parsed["time"].endswith("+00:00")


def test_a_json_log_line_carries_the_traceback_on_its_one_line():
    try:
        raise ValueError("boom")
    except ValueError:
        line = JsonFormatter().format(record("failed", exc_info=sys.exc_info()))
    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exception"]


def test_what_a_caller_passes_in_extra_stays_out_of_a_json_log_line():
    line = JsonFormatter().format(record("request", body={"customer": {"phone": "13800138000"}}))
    assert "13800138000" not in line
