"""The customer's side of a case, end to end: every milestone arrives once by e-mail, through
apprise's mailto:// URL, at a real SMTP server; each carries a working tracking link; the
customer approves the quote and answers the survey on their page, and the case closes."""

import asyncio
import re

import httpx
from sqlalchemy import select

from models.tables import CallbackRow, NotificationRow
from tests.integration.cases import Cases
from tests.integration.mail_sink import Mail, MailSink
from tests.integration.running import eventually, own_queue, system
from tests.integration.test_delivery import customer

LINK = re.compile(r"https?://\S+?(/track/[A-Za-z0-9_.\-]+)")
# the customer's milestones of a repaired case, in order
MILESTONES = [
    "accepted",
    "technician_assigned",
    "quote_ready",
    "repair_started",
    "ready_for_handover",
    "callback_survey",
    "closed",
]


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no {name} on the page"
    return found.group(1)


async def test_a_case_told_by_mail_and_decided_on_the_tracking_page(temporal_client, settings, engine, sessions):
    sink = MailSink()
    sink.start()
    mailed = own_queue(
        settings,
        customer_email_url=f"mailto://127.0.0.1:{sink.port}?from=service@repairflow.test&to={{email}}&secure=no",
        delivery_first_retry_seconds=0.2,
        delivery_max_retry_seconds=0.5,
        callback_delay_hours=1 / 3600,
    )
    address = "journey@example.cn"
    try:
        async with system(temporal_client, mailed, engine) as url, httpx.AsyncClient(base_url=url) as http:
            cases = Cases(http)

            async def mail(template: str) -> Mail:
                """The mail of the case's `template` message: each goes out on its own, so two
                sent a moment apart may arrive in either order."""

                async def arrived():
                    async with sessions() as session:
                        subject = await session.scalar(
                            select(NotificationRow.subject).where(
                                NotificationRow.case_id == cid,
                                NotificationRow.template == template,
                                NotificationRow.status == "sent",
                            )
                        )
                    return next((m for m in sink.to(address) if m.subject == subject), None)

                found = await eventually(arrived, 30)
                assert found, (template, [m.subject for m in sink.to(address)])
                return found

            async def page_of(message: Mail) -> tuple[str, str]:
                link = LINK.search(message.text)
                assert link, message.text
                response = await http.get(link.group(1))
                assert response.status_code == 200, response.text
                return link.group(1), response.text

            case = await cases.to_quote(customer(address, locale="en"))
            cid = case["case_id"]
            for template in MILESTONES[:2]:
                await page_of(await mail(template))
            path, page = await page_of(await mail("quote_ready"))
            assert "QUOTE" in page.upper() and "Drain pump" in page
            form = {"decision": "approve", "quote_version": hidden(page, "quote_version"), "csrf": hidden(page, "csrf")}
            approved = await http.post(f"{path}/quote", data=form)
            assert approved.status_code == 303, approved.text
            assert (await cases.get(cid))["stage"] == "REPAIR"

            await cases.repair(cid, [("WSH-DRAIN-PUMP", 1)])
            await cases.qc(cid, True)
            await cases.handover(cid)
            for template in ("repair_started", "ready_for_handover"):
                await page_of(await mail(template))
            path, page = await page_of(await mail("callback_survey"))
            survey = {"csat": "5", "nps": "9", "ces": "2", "attitude": "5", "professionalism": "4"}
            answered = await http.post(
                f"{path}/survey", data=survey | {"comment": "Quick and tidy", "csrf": hidden(page, "csrf")}
            )
            assert answered.status_code == 303, answered.text

            closed = await mail("closed")
            await page_of(closed)
            assert (await cases.get(cid))["stage"] == "CLOSED"
            async with sessions() as session:
                (callback,) = await session.scalars(select(CallbackRow).where(CallbackRow.case_id == cid))
                outbox = list(await session.scalars(select(NotificationRow).where(NotificationRow.case_id == cid)))
            assert (callback.csat, callback.nps, callback.ces, callback.attitude, callback.professionalism) == (
                5,
                9,
                2,
                5,
                4,
            )
            assert callback.actor == "customer:tracking-page"
            # each milestone once, each sent by e-mail, and nothing else reached the customer
            await asyncio.sleep(1)
            assert sorted(r.template for r in outbox if r.audience == "customer") == sorted(MILESTONES)
            assert all(r.status == "sent" and r.channel == "email" for r in outbox if r.audience == "customer")
            mails = sink.to(address)
            assert len(mails) == len(MILESTONES)
            assert sorted(m.subject for m in mails) == sorted(r.subject for r in outbox if r.audience == "customer")
    finally:
        sink.stop()
