"""Technicians with their capacity and load, and the service regions they cover."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from sqlalchemy import Select, func, select, update

from activities.auto_dispatch import HELD
from api.auth import Caller, Principal, role
from api.deps import Db, Svc
from api.errors import ApiError, responses
from api.schemas import NO_NUL, CapacityChange, QueryBool, RegionList, RegionView, TechnicianList, TechnicianView
from models.domain import Role
from models.tables import CaseRow, TechnicianRow

router = APIRouter(prefix="/api/v1", tags=["technicians"])
TechnicianId = Annotated[str, Path(min_length=1, max_length=32, pattern=NO_NUL)]


def with_load() -> Select:
    """Each technician with the number of open cases assigned to them (ix_cases_open_technician)."""
    load = (
        select(CaseRow.technician_id, func.count().label("load"))
        # the cases that are their work, as automatic dispatch counts them (not the callback)
        .where(CaseRow.stage.in_(HELD), CaseRow.technician_id.is_not(None))
        .group_by(CaseRow.technician_id)
        .subquery()
    )
    return select(TechnicianRow.__table__, func.coalesce(load.c.load, 0).label("load")).outerjoin(
        load, load.c.technician_id == TechnicianRow.technician_id
    )


@router.get("/technicians", response_model=TechnicianList, summary="Technicians", responses=responses(401, 422))
async def list_technicians(_: Caller, session: Db, active: QueryBool | None = None) -> TechnicianList:
    query = with_load().order_by(TechnicianRow.technician_id)
    if active is not None:
        query = query.where(TechnicianRow.active == active)
    return TechnicianList(items=[TechnicianView.model_validate(row._mapping) for row in await session.execute(query)])


@router.put(
    "/technicians/{technician_id}/capacity",
    response_model=TechnicianView,
    summary="Set how many open cases a technician can hold",
    responses=responses(401, 403, 404, 422, body=True),
)
async def put_capacity(
    technician_id: TechnicianId,
    body: CapacityChange,
    _: Annotated[Principal, Depends(role(Role.SUPERVISOR, what="set a technician's capacity"))],
    session: Db,
    svc: Svc,
) -> TechnicianView:
    async with svc.sessions.begin() as writing:
        changed = await writing.scalar(
            update(TechnicianRow)
            .where(TechnicianRow.technician_id == technician_id)
            .values(capacity=body.capacity)
            .returning(TechnicianRow.technician_id)
        )
    if changed is None:
        raise ApiError(404, "not_found", f"technician {technician_id} not found")
    row = (await session.execute(with_load().where(TechnicianRow.technician_id == technician_id))).one()
    return TechnicianView.model_validate(row._mapping)


@router.get("/regions", response_model=RegionList, summary="Service regions", responses=responses(401, 422))
async def list_regions(_: Caller, session: Db) -> RegionList:
    """The regions active technicians serve: an intake may name one of these."""
    rows = await session.execute(
        select(TechnicianRow.region, func.count().label("technicians"))
        .where(TechnicianRow.active)
        .group_by(TechnicianRow.region)
        .order_by(TechnicianRow.region)
    )
    return RegionList(items=[RegionView.model_validate(row._mapping) for row in rows])
