"""Reference data: the parts price list and the technicians."""
from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth import Principal, authenticated
from api.deps import db
from api.errors import responses
from api.schemas import PartList, PartView, TechnicianList, TechnicianView
from models.domain import Category
from models.tables import Part, Technician

router = APIRouter(prefix="/api/v1", tags=["catalog"])


@router.get("/parts", response_model=PartList, summary="Parts price list", responses=responses(401, 422))
async def list_parts(category: Category | None = None, _: Principal = Depends(authenticated),
                     session: AsyncSession = Depends(db)) -> PartList:
    query = select(Part).order_by(Part.category, Part.part_number)
    if category is not None:
        query = query.where(Part.category == category.value)
    return PartList(items=[PartView.model_validate(p) for p in await session.scalars(query)])


@router.get("/technicians", response_model=TechnicianList, summary="Technicians",
            responses=responses(401, 422))
async def list_technicians(active: bool | None = None, _: Principal = Depends(authenticated),
                           session: AsyncSession = Depends(db)) -> TechnicianList:
    query = select(Technician).order_by(Technician.technician_id)
    if active is not None:
        query = query.where(Technician.active == active)
    return TechnicianList(items=[TechnicianView.model_validate(t) for t in await session.scalars(query)])
