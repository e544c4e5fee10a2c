"""Stock for the stock tests: parts of their own (currency XTS, ISO's code for tests), so the
catalog's stock and the other tests' cases are left alone, and cases recorded straight by the
intake activity, with no workflow behind them."""

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from temporalio.testing import ActivityEnvironment

from activities.intake import IntakeActivities
from models.domain import Actor, Customer, Fault, Intake, PartQty, Product
from models.payloads import CaseStart, IntakeInput, ReserveInput
from models.tables import PartRow, StockMovementRow


async def new_part(sessions, on_hand: int = 0) -> str:
    number = f"TST-{uuid.uuid4().hex[:10].upper()}"
    async with sessions.begin() as session:
        session.add(
            PartRow(
                part_number=number,
                name="Test part",
                category="washer",
                unit_price=Decimal("1.00"),
                currency="XTS",
                on_hand=on_hand,
                reserved=0,
            )
        )
    return number


async def new_case(sessions, settings) -> str:
    start = CaseStart(
        case_id=f"RC-TEST-{uuid.uuid4().hex[:8].upper()}",
        actor=Actor(role="agent", id="dev-agent"),
        intake=Intake(
            channel="web",
            customer=Customer(name="Li Na", phone="13700137000"),
            product=Product(
                category="washer", model="XQG100", purchase_date=date(2024, 5, 1), serial_number=uuid.uuid4().hex
            ),
            fault=Fault(description="does not drain"),
        ),
    )
    intake = IntakeActivities(sessions, settings)
    await ActivityEnvironment().run(intake.record_intake, IntakeInput(start=start, at=datetime.now(UTC)))
    return start.case_id


def reserving(case_id: str, parts: dict[str, int], priority="P3", deadline_h=24, version=1) -> ReserveInput:
    return ReserveInput(
        case_id=case_id,
        quote_version=version,
        parts=[PartQty(part_number=n, quantity=q) for n, q in parts.items()],
        priority=priority,
        deadline=datetime.now(UTC) + timedelta(hours=deadline_h),
    )


async def movements_of(sessions, part: str) -> list[tuple[int, str, str, str | None]]:
    """(delta, kind, actor, reason) of each movement of the part, oldest first."""
    row = StockMovementRow
    query = select(row.delta, row.kind, row.actor, row.reason).where(row.part_number == part).order_by(row.id)
    async with sessions() as session:
        return [(m.delta, m.kind, m.actor, m.reason) for m in (await session.execute(query)).all()]
