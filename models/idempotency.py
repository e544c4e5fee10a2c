"""Idempotency keys, scoped to the caller and bound to the request they came with. Pure.

An intake's key is stored scoped (two callers may use the same key) next to the digest of
its body. An action's key becomes the Temporal update id, `idem-<scope>-<digest>`: a retry
of the same request is the same update, which Temporal runs once; the same key with
another request is refused by the workflow."""

import hashlib

PREFIX = "idem"


def _sha(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def scoped_key(caller: str, key: str) -> str:
    """64 hex characters, whatever the key's length."""
    return _sha(caller, key)


def body_digest(*parts: str) -> str:
    return _sha(*parts)


def update_id(caller: str, key: str, action: str, body_json: str) -> str:
    return f"{PREFIX}-{scoped_key(caller, key)[:32]}-{body_digest(action, body_json)[:32]}"


def parse_update_id(update_id: str) -> tuple[str, str] | None:
    """(scope, digest) of an id made by `update_id`; None for any other id."""
    prefix, _, rest = update_id.partition("-")
    scope, _, digest = rest.partition("-")
    if prefix != PREFIX or len(scope) != 32 or len(digest) != 32:
        return None
    return scope, digest
