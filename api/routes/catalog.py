"""Reference data: the parts price list and the fault codes (the technicians are in technicians.py)."""

from fastapi import APIRouter
from sqlalchemy import select

from api.auth import Caller
from api.deps import Db
from api.errors import responses
from api.schemas import FaultCodeList, FaultCodeView, PartList, PartView
from models.domain import Category
from models.tables import FaultCodeRow, PartRow

router = APIRouter(prefix="/api/v1", tags=["catalog"])


@router.get("/parts", response_model=PartList, summary="Parts price list", responses=responses(401, 422))
async def list_parts(_: Caller, session: Db, category: Category | None = None) -> PartList:
    query = select(PartRow).order_by(PartRow.category, PartRow.part_number)
    if category is not None:
        query = query.where(PartRow.category == category.value)
    return PartList(items=[PartView.model_validate(p) for p in await session.scalars(query)])


@router.get(
    "/fault-codes", response_model=FaultCodeList, summary="Common faults by category", responses=responses(401, 422)
)
async def list_fault_codes(_: Caller, session: Db, category: Category | None = None) -> FaultCodeList:
    """The codes a diagnosis may name for a product of its category."""
    query = select(FaultCodeRow).where(FaultCodeRow.active.is_(True)).order_by(FaultCodeRow.category, FaultCodeRow.code)
    if category is not None:
        query = query.where(FaultCodeRow.category == category.value)
    return FaultCodeList(items=[FaultCodeView.model_validate(c) for c in await session.scalars(query)])
