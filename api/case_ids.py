"""Readable case ids, `RC-YYYYMMDD-XXXXXX` (docs/architecture.md); complaints' ids take the
same form with their own prefix, `CP-`."""

import hashlib
import re
import secrets
from datetime import date

# no 0/O or 1/I: ids are read out over the phone
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
SUFFIX = 6
PATTERN = re.compile(rf"^RC-\d{{8}}-[{ALPHABET}]{{{SUFFIX}}}$")


def _format(day: date, bits: int, prefix: str = "RC") -> str:
    chars = []
    for _ in range(SUFFIX):
        bits, index = divmod(bits, len(ALPHABET))
        chars.append(ALPHABET[index])
    return f"{prefix}-{day:%Y%m%d}-{''.join(chars)}"


def random_case_id(day: date, prefix: str = "RC") -> str:
    return _format(day, secrets.randbits(5 * SUFFIX), prefix)


def keyed_case_id(key: str, day: date, attempt: int = 0, prefix: str = "RC") -> str:
    """The same Idempotency-Key gives the same id, so concurrent retries of one intake
    reach one workflow. `attempt` walks to another id when a different key's case
    already holds this one."""
    digest = hashlib.sha256(f"{attempt}:{key}".encode()).digest()
    return _format(day, int.from_bytes(digest[:8], "big"), prefix)
