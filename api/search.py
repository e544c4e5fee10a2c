"""Finding cases by what a caller knows of them: the device's serial number, the customer's
phone however it is written, or a fragment of the customer's name."""

from sqlalchemy import ARRAY, ColumnElement, Integer, any_, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from models import phones
from models.tables import CaseRow, CustomerRow, DeviceRow

# what `q` may hold, at most: a name, a phone number or a serial number is far shorter
QUERY_LENGTH = 100


def _anywhere(text: str) -> str:
    """The LIKE pattern of `text` anywhere in a value, its wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _any_of(ids: QueryableAttribute[int], *where: ColumnElement[bool]) -> ColumnElement:
    """The ids `where` selects, as one array the database computes once, before it reads any
    case (an InitPlan): the cases are then found through their own index by customer."""
    return any_(cast(select(func.array_agg(ids)).where(*where).scalar_subquery(), ARRAY(Integer)))


async def matching(session: AsyncSession, q: str) -> ColumnElement[bool]:
    """The cases of the list query (which joins each case's customer and device) whose
    device's serial number is `q` in any letter case, or, when `q` looks like a phone number,
    whose customer's phone is `q` written any way, or else whose customer's name holds `q` in
    any letter case.

    Customers and devices are found by indexes of their own (the phone's digits, the name's
    trigrams, the lower-case serial number), and their cases through cases(customer_id,
    created_at) and cases(device_id, created_at)."""
    if phones.looks_like_phone(q):
        customers = CustomerRow.phone_digits == phones.normalize(q)
    else:
        customers = CustomerRow.name.ilike(_anywhere(q))
    devices = list(await session.scalars(select(DeviceRow.id).where(func.lower(DeviceRow.serial_number) == q.lower())))
    if not devices:
        # on the joined customer alone, the planner weighs the match by the index's statistics:
        # a rare one is looked up, a common one (a surname) found walking the newest cases
        return customers
    # an OR across two tables would read every case: each side is looked up by its own index
    return or_(CaseRow.device_id.in_(devices), CaseRow.customer_id == _any_of(CustomerRow.id, customers))
