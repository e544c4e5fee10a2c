"""API keys: `Authorization: Bearer <key>`, each key mapping to a role and, for a
technician, a technician id (docs/api.md)."""

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import Db, Svc
from api.errors import ApiError
from models.domain import HUMAN_ROLES, Actor, Compensation, Role
from models.tables import ApiKeyRow
from settings import ApiKey, Settings, is_dev_key

log = logging.getLogger("repairflow.api")

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="`Authorization: Bearer <key>`; dev keys: dev-agent-key, "
    "dev-supervisor-key, dev-tech-key (technician T-001)",
)


@dataclass(frozen=True)
class Principal:
    name: str
    role: Role
    technician_id: str | None = None

    def may_see(self, technician_id: str | None) -> bool:
        """A technician sees only the cases assigned to them; agents and supervisors all."""
        return self.role is not Role.TECHNICIAN or technician_id == self.technician_id

    @property
    def actor(self) -> Actor:
        return Actor(role=self.role, id=self.technician_id if self.role is Role.TECHNICIAN else self.name)


def unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


def forbidden(message: str) -> ApiError:
    return ApiError(403, "forbidden", message)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def lookup(key: str, configured: dict[str, ApiKey], session: AsyncSession) -> ApiKey | None:
    for candidate, meta in configured.items():
        if hmac.compare_digest(candidate.encode(), key.encode()):
            return meta
    row = await session.get(ApiKeyRow, key_hash(key))
    if row is None or row.role not in HUMAN_ROLES:
        return None
    try:
        return ApiKey(name=row.name, role=Role(row.role), technician_id=row.technician_id)
    except ValidationError:
        log.warning("api_keys row %s… is not a usable key (name too long?)", row.key_hash[:8])
        return None


async def authenticated(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    svc: Svc,
    session: Db,
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized("an API key is required: Authorization: Bearer <key>")
    meta = await lookup(credentials.credentials, svc.settings.api_keys, session)
    if meta and svc.settings.env == "production" and is_dev_key(credentials.credentials, meta.name):
        meta = None  # a dev key stored in the database is refused too
    # a technician key without its technician could act on nobody's cases
    if meta is None or meta.role not in HUMAN_ROLES or (meta.role is Role.TECHNICIAN and not meta.technician_id):
        raise unauthorized("unknown API key")
    return Principal(meta.name, meta.role, meta.technician_id)


Caller = Annotated[Principal, Depends(authenticated)]


def require(principal: Principal, roles: frozenset[Role], what: str) -> None:
    if principal.role not in roles:
        raise forbidden(f"role {principal.role} may not {what} (allowed: {', '.join(sorted(roles))})")


def role(*roles: Role, what: str = "do this") -> Callable[[Principal], Awaitable[Principal]]:
    """Dependency: the caller, if their role is one of `roles`."""
    allowed = frozenset(roles)

    async def dependency(principal: Caller) -> Principal:
        require(principal, allowed, what)
        return principal

    return dependency


def approve_compensation(compensation: Compensation | None, principal: Principal, settings: Settings) -> None:
    """Compensation above the configured amount (at a handover, closing a complaint) needs a
    supervisor: their recording it is the approval."""
    limit = settings.compensation_approval_above
    if compensation and compensation.amount > limit and principal.role is not Role.SUPERVISOR:
        raise forbidden(f"compensation above {limit} needs a supervisor's approval: a supervisor records it")
