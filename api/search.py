"""Finding cases by what a caller knows of them: the device's serial number, the customer's
phone however it is written, or a fragment of the customer's name."""

from sqlalchemy import ARRAY, ColumnElement, Integer, any_, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from models import phones
from models.tables import CaseRow, CustomerRow, DeviceRow

# what `q` may hold, at most: a name, a phone number or a serial number is far shorter
QUERY_LENGTH = 100
# the customers a name fragment may match and still be looked up one by one (see matching)
FEW_CUSTOMERS = 200


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
    named: list[int] | None = None
    if phones.looks_like_phone(q):
        customers = CustomerRow.phone_digits == phones.normalize(q)
    else:
        customers = CustomerRow.name.ilike(_anywhere(q))
        # the planner cannot tell a rare fragment from a common one by the trigrams' statistics;
        # counting the customers can: a few are looked up with their cases, more (a surname)
        # are found walking the newest cases, which soon meets a page of them
        found = list(await session.scalars(select(CustomerRow.id).where(customers).limit(FEW_CUSTOMERS + 1)))
        named = found if len(found) <= FEW_CUSTOMERS else None
    devices = list(await session.scalars(select(DeviceRow.id).where(func.lower(DeviceRow.serial_number) == q.lower())))
    if named is not None:
        by_customer: ColumnElement[bool] = CaseRow.customer_id.in_(named)
        if not devices:
            return by_customer
    elif not devices:
        return customers
    else:
        by_customer = CaseRow.customer_id == _any_of(CustomerRow.id, customers)
    # an OR across two tables would read every case: each side is looked up by its own index
    return or_(CaseRow.device_id.in_(devices), by_customer)
