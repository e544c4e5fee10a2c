"""Itemized quotes from the parts price list and the labor rate. Pure."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel

from models.domain import PartQty

CENT = Decimal("0.01")


class QuoteLine(BaseModel):
    kind: str  # part | labor | fee
    code: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


class Quote(BaseModel):
    version: int
    lines: list[QuoteLine]
    total: Decimal
    currency: str
    in_warranty: bool


@dataclass(frozen=True)
class PartPrice:
    part_number: str
    name: str
    category: str
    unit_price: Decimal


@dataclass(frozen=True)
class Rates:
    labor_rate: Decimal
    on_site_fee: Decimal
    currency: str


class UnknownPart(ValueError):
    def __init__(self, index: int, part_number: str, reason: str = ""):
        super().__init__(reason or f"unknown part number {part_number}")
        self.index = index
        self.part_number = part_number


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def price_quote(
    version: int,
    parts: list[PartQty],
    labor_hours: Decimal,
    catalog: dict[str, PartPrice],
    rates: Rates,
    *,
    in_warranty: bool,
    on_site: bool,
    category: str | None = None,
) -> Quote:
    """`category`: the product's; a part of another category does not fit it."""

    # in warranty the lines stay itemized, each priced at zero
    def line(kind: str, code: str, text: str, qty: Decimal, unit: Decimal) -> QuoteLine:
        unit = Decimal(0) if in_warranty else unit
        return QuoteLine(
            kind=kind, code=code, description=text, quantity=qty, unit_price=money(unit), amount=money(qty * unit)
        )

    lines = []
    for index, item in enumerate(parts):
        part = catalog.get(item.part_number)
        if part is None:
            raise UnknownPart(index, item.part_number)
        if category is not None and part.category != category:
            raise UnknownPart(
                index, item.part_number, f"part {item.part_number} is for {part.category}, not {category}"
            )
        lines.append(line("part", part.part_number, part.name, Decimal(item.quantity), part.unit_price))
    if labor_hours > 0:
        lines.append(line("labor", "LABOR", "Labor", labor_hours, rates.labor_rate))
    if on_site and rates.on_site_fee > 0:
        lines.append(line("fee", "ON_SITE", "On-site visit", Decimal(1), rates.on_site_fee))
    total = money(sum((item.amount for item in lines), Decimal(0)))
    return Quote(version=version, lines=lines, total=total, currency=rates.currency, in_warranty=in_warranty)
