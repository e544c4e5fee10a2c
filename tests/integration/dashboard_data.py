"""Cases for the dashboard's tests, made through the API, and the dashboard read as a
browser reads it: signed in through the form, the figures found by their element ids."""

import html
import re
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import update

from models.tables import SlaTargetRow
from tests.integration.cases import Cases, intake_body

SUPERVISOR_KEY = "dev-supervisor-key"
TECH_KEY = "dev-tech-key"
# far enough in the past that the case heads the at-risk board whatever else is open
LONG_AGO = datetime(2001, 1, 1, tzinfo=UTC)


async def closed_remotely(cases: Cases, csat: int) -> str:
    """A case opened, resolved remotely and called back, so it is closed with a CSAT answer."""
    case = await cases.open(intake_body(service_mode="remote"))
    case_id = case["case_id"]
    assert (await cases.act(case_id, "remote-resolution", {"resolved": True}))["stage"] == "CALLBACK"
    closed = await cases.callback(case_id, csat=csat, nps=9)
    assert closed["stage"] == "CLOSED", closed
    return case_id


async def overdue(cases: Cases, sessions) -> str:
    """An open case whose SLA clocks ran out long ago."""
    case_id = (await cases.open())["case_id"]
    async with sessions.begin() as session:
        await session.execute(
            update(SlaTargetRow)
            .where(SlaTargetRow.case_id == case_id, SlaTargetRow.met_at.is_(None))
            .values(deadline=LONG_AGO)
        )
    return case_id


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


async def log_in(http: httpx.AsyncClient, key: str = SUPERVISOR_KEY) -> httpx.Response:
    """The login form fetched and sent, as a browser would; the client keeps the cookies."""
    form = await http.get("/dashboard/login")
    assert form.status_code == 200, form.text
    return await http.post("/dashboard/login", data={"api_key": key, "csrf": csrf_of(form.text)})


def text_of(page: str, element_id: str) -> str:
    found = re.search(rf'id="{re.escape(element_id)}"[^>]*>(.*?)</', page, re.S)
    assert found, f"no #{element_id} on the page"
    return html.unescape(found.group(1)).strip()


def this_week(page: str, chart: str) -> str:
    found = re.search(rf'id="chart-{chart}".*?<span class="muted latest">(.*?)</span>', page, re.S)
    assert found, f"no chart {chart}"
    return html.unescape(found.group(1))


def opened_this_week(latest: str) -> int:
    found = re.search(r"(\d+) opened", latest)
    assert found, latest
    return int(found.group(1))


def period(days: int = 30) -> dict[str, str]:
    now = datetime.now(UTC)
    return {"from": (now - timedelta(days=days)).isoformat(), "to": now.isoformat()}


def tile_of(page: str, kpi: str) -> tuple[str, str, str]:
    """A KPI tile's (value, goal, standing) as the page shows them."""
    parts = ('class="value">(.*?)</span>', 'class="goal">goal (.*?)</span>', 'class="standing">(.*?)</span>')
    found = re.search(rf'id="tile-{kpi}">.*?' + ".*?".join(parts), page, re.S)
    assert found, f"no tile {kpi}"
    value, goal, standing = (html.unescape(g) for g in found.groups())
    return value, goal, standing


def at_risk_ids(page: str) -> list[str]:
    return re.findall(r'<tr id="risk-([^"]+)"', page)
