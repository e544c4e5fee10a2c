"""Liveness of the API and its two dependencies."""

import asyncio
import logging
from datetime import timedelta

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.deps import Services, Svc
from api.schemas import Health

router = APIRouter(tags=["health"])
log = logging.getLogger("repairflow.api")

TIMEOUT = 3.0


async def _database(svc: Services) -> bool:
    async with asyncio.timeout(TIMEOUT), svc.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    return True


async def _temporal(svc: Services) -> bool:
    return await svc.temporal.service_client.check_health(timeout=timedelta(seconds=TIMEOUT))


async def _ok(name: str, probe) -> str:
    try:
        if await probe:
            return "ok"
        log.warning("health: %s not serving", name)
    except Exception as err:  # any failure means "down" here, never a 500
        log.warning("health: %s down: %r", name, err)
    return "error"


@router.get(
    "/healthz",
    response_model=Health,
    summary="Health of the API, PostgreSQL and Temporal",
    responses={503: {"model": Health, "description": "a dependency is down"}},
)
async def healthz(svc: Svc) -> JSONResponse:
    database, temporal = await asyncio.gather(_ok("database", _database(svc)), _ok("temporal", _temporal(svc)))
    ok = database == temporal == "ok"
    body = Health(status="ok" if ok else "error", database=database, temporal=temporal)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
