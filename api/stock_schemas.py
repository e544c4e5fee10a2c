"""HTTP shapes of spare parts stock: a receipt, an adjustment, and the part's stock after it."""

from typing import Annotated

from pydantic import AfterValidator, Field

from api.schemas import PartView
from models.domain import JSON_INTEGER, Strict, Text

# more than any delivery or count correction: a larger number is a typing error
MAX_MOVEMENT = 100_000


def _not_zero(value: int) -> int:
    if value == 0:
        raise ValueError("must not be 0")
    return value


class StockReceipt(Strict):
    quantity: Annotated[int, Field(ge=1, le=MAX_MOVEMENT), JSON_INTEGER]


class StockAdjustment(Strict):
    quantity: Annotated[
        int,
        Field(
            ge=-MAX_MOVEMENT,
            le=MAX_MOVEMENT,
            description="the count's correction: positive adds to on_hand, negative takes off; not 0",
            json_schema_extra={"not": {"const": 0}},
        ),
        JSON_INTEGER,
        AfterValidator(_not_zero),
    ]
    reason: Text


class StockChange(PartView):
    served_cases: list[str] = Field(
        description="cases whose waiting reservations this change completed, in queue order; each is told"
    )
