"""Staff contacts: how technicians, the dispatch desk, supervisors and managers are reached."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from api.auth import Principal, role
from api.deps import Db, Svc
from api.errors import responses
from api.outbox_schemas import StaffContact, StaffList, StaffRole, StaffView
from api.schemas import NO_NUL
from models.domain import Role
from models.tables import StaffContactRow

router = APIRouter(prefix="/api/v1/staff", tags=["staff"])
Supervisor = Annotated[Principal, Depends(role(Role.SUPERVISOR, what="manage staff contacts"))]
StaffId = Annotated[
    str, Path(min_length=1, max_length=32, pattern=NO_NUL, description="a technician's id, or any id of the desk's")
]


@router.get("", response_model=StaffList, summary="Staff contacts", responses=responses(401, 403, 422))
async def list_staff(_: Supervisor, session: Db, staff_role: StaffRole | None = None) -> StaffList:
    query = select(StaffContactRow).order_by(StaffContactRow.staff_id)
    if staff_role is not None:
        query = query.where(StaffContactRow.role == staff_role)
    return StaffList(items=[StaffView.model_validate(r) for r in await session.scalars(query)])


@router.put(
    "/{staff_id}",
    response_model=StaffView,
    summary="Set a member of staff's contact details",
    responses=responses(401, 403, 422, body=True),
)
async def put_staff(staff_id: StaffId, body: StaffContact, _: Supervisor, svc: Svc) -> StaffView:
    """A technician's id is their technician id: the case's assignee messages go to it."""
    values = body.model_dump(mode="json")
    async with svc.sessions.begin() as session:
        await session.execute(
            insert(StaffContactRow)
            .values(staff_id=staff_id, **values)
            .on_conflict_do_update(index_elements=["staff_id"], set_=values)
        )
    return StaffView(staff_id=staff_id, **body.model_dump())
