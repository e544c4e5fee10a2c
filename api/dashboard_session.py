"""The supervisor's session on the dashboard: a supervisor's API key, given once on the login
form, becomes a signed, expiring cookie (itsdangerous' timed signature, HMAC-SHA256, salted
for this one use). The cookie names the key by its hash, never in clear, and each request
looks the key up again, so a key taken away or given another role ends the session. The
forms carry CSRF tokens: the login form's bound to a random cookie of its own, the logout
form's to the session cookie."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Literal

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth import key_hash, lookup
from models.domain import Role
from models.tables import ApiKeyRow
from settings import ApiKey, Settings, is_dev_key

COOKIE = "repairflow_dashboard"
CSRF_COOKIE = "repairflow_dashboard_csrf"
HOUR = 3600
# longer than any key an api_keys row or a setting holds; a longer one is no key at all
KEY_MAX = 512

Refusal = Literal["unknown", "other_role"]


@dataclass(frozen=True)
class Supervisor:
    name: str
    key_hash: str


def _secret(settings: Settings) -> str:
    return settings.dashboard_secret or settings.tracking_secret


def _signer(settings: Settings) -> URLSafeTimedSerializer:
    # the salt keeps a tracking token (signed under the same secret by default) from passing as a session
    return URLSafeTimedSerializer(
        _secret(settings), salt="repairflow.dashboard", signer_kwargs={"digest_method": hashlib.sha256}
    )


def issue(supervisor: Supervisor, settings: Settings) -> str:
    return _signer(settings).dumps({"name": supervisor.name, "key": supervisor.key_hash})


def read(cookie: str | None, settings: Settings) -> Supervisor | None:
    """The supervisor of a valid, unexpired session cookie; None for anything else."""
    if not cookie or len(cookie) > 1000:
        return None
    try:
        data = _signer(settings).loads(cookie, max_age=round(settings.dashboard_session_hours * HOUR))
    except BadSignature:  # SignatureExpired is one too
        return None
    if not isinstance(data, dict) or not isinstance(data.get("name"), str) or not isinstance(data.get("key"), str):
        return None
    return Supervisor(data["name"], data["key"])


def _is_supervisor(meta: ApiKey | None, key: str | None, settings: Settings) -> bool:
    if meta is None or meta.role is not Role.SUPERVISOR:
        return False
    # as api.auth: production refuses a dev key, even one stored in the database
    return not (settings.env == "production" and is_dev_key(key or "", meta.name))


async def log_in(key: str, settings: Settings, session: AsyncSession) -> Supervisor | Refusal:
    """The supervisor an API key belongs to, or why it is none."""
    if not key or len(key) > KEY_MAX:
        return "unknown"
    meta = await lookup(key, settings.api_keys, session)
    if meta is None or (settings.env == "production" and is_dev_key(key, meta.name)):
        return "unknown"  # as api.auth answers for it
    return Supervisor(meta.name, key_hash(key)) if _is_supervisor(meta, key, settings) else "other_role"


async def still_supervisor(supervisor: Supervisor, settings: Settings, session: AsyncSession) -> bool:
    """Whether the session's key still exists and still belongs to a supervisor."""
    for key, meta in settings.api_keys.items():
        if hmac.compare_digest(key_hash(key).encode(), supervisor.key_hash.encode()):
            return _is_supervisor(meta, key, settings)
    row = await session.get(ApiKeyRow, supervisor.key_hash)
    if row is None or row.role != Role.SUPERVISOR.value:
        return False
    return _is_supervisor(ApiKey(name=row.name, role=Role.SUPERVISOR), None, settings)


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def csrf_token(purpose: str, binding: str, settings: Settings) -> str:
    """The token a form of `purpose` carries, bound to `binding` (a cookie's value)."""
    key = hashlib.sha256(b"repairflow.dashboard.csrf:" + _secret(settings).encode()).digest()
    return hmac.new(key, f"{purpose}:{binding}".encode(), hashlib.sha256).hexdigest()


def csrf_ok(purpose: str, binding: str | None, sent: str | None, settings: Settings) -> bool:
    if not binding or not sent:
        return False
    return hmac.compare_digest(csrf_token(purpose, binding, settings).encode(), sent.encode())
