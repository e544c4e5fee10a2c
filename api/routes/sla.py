"""The supervisor's SLA board: open cases by the time left on their next deadline."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.auth import Principal, role
from api.deps import Db
from api.errors import responses
from api.links import to_case
from api.queries import at_risk
from api.schemas import AtRiskList
from models.domain import Role

router = APIRouter(prefix="/api/v1/sla", tags=["sla"])


@router.get(
    "/at-risk",
    response_model=AtRiskList,
    summary="Open cases by time left on their next deadline",
    responses={200: to_case("/items/0/case_id"), **responses(401, 403, 422)},
)
async def list_at_risk(
    _: Annotated[Principal, Depends(role(Role.SUPERVISOR, what="see the SLA board"))],
    session: Db,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> AtRiskList:
    """Paused clocks (waiting on the customer) are left out until they run again."""
    return AtRiskList(items=await at_risk(session, datetime.now(UTC), limit))
