"""Reference data: the parts price list and the technicians."""

from fastapi import APIRouter
from sqlalchemy import select

from api.auth import Caller
from api.deps import Db
from api.errors import responses
from api.schemas import PartList, PartView, QueryBool, TechnicianList, TechnicianView
from models.domain import Category
from models.tables import PartRow, TechnicianRow

router = APIRouter(prefix="/api/v1", tags=["catalog"])


@router.get("/parts", response_model=PartList, summary="Parts price list", responses=responses(401, 422))
async def list_parts(_: Caller, session: Db, category: Category | None = None) -> PartList:
    query = select(PartRow).order_by(PartRow.category, PartRow.part_number)
    if category is not None:
        query = query.where(PartRow.category == category.value)
    return PartList(items=[PartView.model_validate(p) for p in await session.scalars(query)])


@router.get("/technicians", response_model=TechnicianList, summary="Technicians", responses=responses(401, 422))
async def list_technicians(_: Caller, session: Db, active: QueryBool | None = None) -> TechnicianList:
    query = select(TechnicianRow).order_by(TechnicianRow.technician_id)
    if active is not None:
        query = query.where(TechnicianRow.active == active)
    return TechnicianList(items=[TechnicianView.model_validate(t) for t in await session.scalars(query)])
