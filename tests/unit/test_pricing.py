"""Itemized quotes."""

from decimal import Decimal as D

import pytest

from models.domain import PartQty
from models.pricing import PartPrice, Rates, UnknownPart, money, price_quote

CATALOG = {
    "P-100": PartPrice("P-100", "Drain pump", "washer", D("120.50")),
    "P-200": PartPrice("P-200", "Door seal", "washer", D("35.00")),
    "P-300": PartPrice("P-300", "Odd part", "washer", D("0.125")),
}
RATES = Rates(labor_rate=D("80.00"), on_site_fee=D("50.00"), currency="CNY")


def parts(*pairs):
    return [PartQty(part_number=p, quantity=q) for p, q in pairs]


def summary(quote):
    return [
        (line.kind, line.code, line.description, line.quantity, line.unit_price, line.amount) for line in quote.lines
    ]


def test_out_of_warranty_on_site():
    quote = price_quote(1, parts(("P-100", 2), ("P-200", 1)), D("1.5"), CATALOG, RATES, in_warranty=False, on_site=True)
    assert summary(quote) == [
        ("part", "P-100", "Drain pump", D(2), D("120.50"), D("241.00")),
        ("part", "P-200", "Door seal", D(1), D("35.00"), D("35.00")),
        ("labor", "LABOR", "Labor", D("1.5"), D("80.00"), D("120.00")),
        ("fee", "ON_SITE", "On-site visit", D(1), D("50.00"), D("50.00")),
    ]
    assert quote.total == D("446.00")
    assert (quote.version, quote.currency, quote.in_warranty) == (1, "CNY", False)


def test_no_on_site_fee_when_not_on_site():
    quote = price_quote(2, parts(("P-200", 3)), D("0.5"), CATALOG, RATES, in_warranty=False, on_site=False)
    assert [line.kind for line in quote.lines] == ["part", "labor"]
    assert quote.total == D("145.00")  # 3 × 35 + 0.5 × 80
    assert quote.version == 2


def test_no_fee_line_when_fee_is_zero_and_no_labor_line_without_hours():
    rates = Rates(labor_rate=D("80"), on_site_fee=D("0"), currency="USD")
    quote = price_quote(1, parts(("P-200", 1)), D("0"), CATALOG, rates, in_warranty=False, on_site=True)
    assert [line.kind for line in quote.lines] == ["part"]
    assert (quote.total, quote.currency) == (D("35.00"), "USD")


def test_empty_quote_is_zero():
    quote = price_quote(1, [], D("0"), CATALOG, RATES, in_warranty=False, on_site=False)
    assert quote.lines == [] and quote.total == D("0.00")


def test_in_warranty_keeps_lines_itemized_at_zero():
    quote = price_quote(1, parts(("P-100", 2)), D("2"), CATALOG, RATES, in_warranty=True, on_site=True)
    assert summary(quote) == [
        ("part", "P-100", "Drain pump", D(2), D("0.00"), D("0.00")),
        ("labor", "LABOR", "Labor", D(2), D("0.00"), D("0.00")),
        ("fee", "ON_SITE", "On-site visit", D(1), D("0.00"), D("0.00")),
    ]
    assert quote.total == D("0.00") and quote.in_warranty is True


@pytest.mark.parametrize(
    "value,expected",
    [
        ("2.345", "2.35"),  # half-up, not banker's (2.34)
        ("2.335", "2.34"),
        ("2.344", "2.34"),
        ("0.005", "0.01"),
        ("10", "10.00"),
    ],
)
def test_money_rounds_half_up(value, expected):
    assert str(money(D(value))) == expected


def test_line_amounts_round_half_up():
    # 1.5 h × 33.33 = 49.995 → 50.00
    rates = Rates(labor_rate=D("33.33"), on_site_fee=D("0"), currency="CNY")
    quote = price_quote(1, [], D("1.5"), CATALOG, rates, in_warranty=False, on_site=False)
    assert quote.lines[0].amount == D("50.00")
    assert quote.total == D("50.00")


def test_sub_cent_unit_price_rounded_on_the_amount():
    # 3 × 0.125 = 0.375 → 0.38 (the unit price shows 0.13)
    quote = price_quote(1, parts(("P-300", 3)), D("0"), CATALOG, RATES, in_warranty=False, on_site=False)
    assert (quote.lines[0].unit_price, quote.lines[0].amount, quote.total) == (D("0.13"), D("0.38"), D("0.38"))


@pytest.mark.parametrize("in_warranty", [False, True])
def test_unknown_part_carries_index_and_number(in_warranty):
    with pytest.raises(UnknownPart) as err:
        price_quote(
            1,
            parts(("P-100", 1), ("P-200", 1), ("NOPE-9", 2)),
            D("1"),
            CATALOG,
            RATES,
            in_warranty=in_warranty,
            on_site=False,
        )
    assert (err.value.index, err.value.part_number) == (2, "NOPE-9")
    assert isinstance(err.value, ValueError)
    assert "NOPE-9" in str(err.value)
