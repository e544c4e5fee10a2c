"""Spare parts stock: a part's stock, and a supervisor's receipts and count adjustments.
Stock that comes in serves the cases waiting for it in queue order (activities/stock_queue.py),
and each case it completes is told `parts_arrived`."""

import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from temporalio.client import Client
from temporalio.service import RPCError

from activities.stock_queue import lock_parts, serve_waiting
from api.auth import Caller, Principal, role
from api.deps import Db, Svc
from api.errors import ApiError, insufficient_stock, responses
from api.schemas import NO_NUL, PartView
from api.stock_schemas import StockAdjustment, StockChange, StockReceipt
from models.domain import Role
from models.stock import PARTS_ARRIVED, MovementKind, available
from models.tables import PartRow, StockMovementRow

log = logging.getLogger("repairflow.api")

router = APIRouter(prefix="/api/v1/parts", tags=["catalog"])
Supervisor = Annotated[Principal, Depends(role(Role.SUPERVISOR, what="change stock"))]
PartNumber = Annotated[
    str, Path(min_length=1, max_length=64, pattern=NO_NUL, description="a part number of the catalog")
]
# a signal only hurries the case along: its workflow also looks for its parts on a timer
SIGNAL_TIMEOUT = timedelta(seconds=5)


def unknown_part(part_number: str) -> ApiError:
    return ApiError(404, "not_found", f"part {part_number} not found")


@router.get(
    "/{part_number}", response_model=PartView, summary="A part and its stock", responses=responses(401, 404, 422)
)
async def get_part(part_number: PartNumber, _: Caller, session: Db) -> PartView:
    part = await session.get(PartRow, part_number)
    if part is None:
        raise unknown_part(part_number)
    return PartView.model_validate(part)


@router.post(
    "/{part_number}/receipts",
    response_model=StockChange,
    summary="Record parts received",
    responses=responses(401, 403, 404, 422, body=True),
)
async def receive_parts(part_number: PartNumber, body: StockReceipt, principal: Supervisor, svc: Svc) -> StockChange:
    """Adds to on_hand. The stock then serves the reservations waiting for the part (P1
    first, then the earliest deadline, then the oldest), and each case whose parts are now
    all reserved is told."""
    return await change_stock(svc, part_number, body.quantity, MovementKind.RECEIPT, None, principal)


@router.post(
    "/{part_number}/adjustments",
    response_model=StockChange,
    summary="Correct a part's count",
    responses=responses(401, 403, 404, 409, 422, body=True),
)
async def adjust_stock(part_number: PartNumber, body: StockAdjustment, principal: Supervisor, svc: Svc) -> StockChange:
    """Adds to or takes off on_hand, with the reason. It may not leave less on hand than is
    reserved for cases (409 `insufficient_stock`). An adjustment up serves the waiting
    reservations as a receipt does."""
    return await change_stock(svc, part_number, body.quantity, MovementKind.ADJUSTMENT, body.reason, principal)


async def change_stock(
    svc: Svc, part_number: str, delta: int, kind: MovementKind, reason: str | None, principal: Principal
) -> StockChange:
    async with svc.sessions.begin() as session:
        part = (await lock_parts(session, [part_number])).get(part_number)
        if part is None:
            raise unknown_part(part_number)
        if part.on_hand + delta < part.reserved:
            raise insufficient_stock(part_number, available(part.on_hand, part.reserved))
        part.on_hand += delta
        session.add(
            StockMovementRow(
                part_number=part_number,
                delta=delta,
                kind=kind,
                reason=reason,
                actor=str(principal.actor),
                at=datetime.now(UTC),
            )
        )
        served = await serve_waiting(session, [part_number]) if delta > 0 else []
        answer = StockChange(**PartView.model_validate(part).model_dump(exclude={"available"}), served_cases=served)
    await tell_parts_arrived(svc.temporal, served)
    return answer


async def tell_parts_arrived(client: Client, case_ids: list[str]) -> None:
    """Signals each case's workflow once the stock is committed. A case whose workflow is
    gone, or a Temporal that does not answer, is logged and passed over: the change stands,
    and the case finds its parts on its next timer."""
    for case_id in case_ids:
        try:
            await client.get_workflow_handle(case_id).signal(PARTS_ARRIVED, rpc_timeout=SIGNAL_TIMEOUT)
        except RPCError as err:
            log.warning("%s not delivered to %s: %s", PARTS_ARRIVED, case_id, err)
