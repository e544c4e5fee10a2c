"""Messages reach people on their own channels: real mail to a real SMTP server through
apprise, a channel that is down delays messages and loses none, a message that never got
through is visible and re-sent by a supervisor, and staff get theirs by their contacts."""

import asyncio
import itertools
import random
import re

import httpx
import pytest
from sqlalchemy import select

from models.tables import DeliveryAttemptRow, NotificationRow
from tests.integration.cases import AGENT, SUPERVISOR, TECH, Cases, intake_body
from tests.integration.mail_sink import MailSink
from tests.integration.running import eventually, own_queue, system

PHONES = itertools.count(random.randrange(10**7))
LINK = re.compile(r"https?://\S+/track/[A-Za-z0-9_.\-]+")


@pytest.fixture
async def sink():
    sink = MailSink()
    yield sink
    sink.stop()


def quick(settings, sink: MailSink, **changes):
    """A worker whose messages go out by e-mail to the sink and are retried within seconds."""
    return own_queue(
        settings,
        customer_email_url=sink.url(),
        delivery_first_retry_seconds=0.2,
        delivery_max_retry_seconds=0.5,
        **changes,
    )


def customer(email: str, **extra) -> dict:
    """A customer of their own: customers are known by phone, and the intake updates their address."""
    body = intake_body()
    body["customer"] |= {"email": email, "phone": f"139{next(PHONES):08d}", **extra}
    return body


async def rows(sessions, case_id: str) -> list[NotificationRow]:
    async with sessions() as session:
        query = select(NotificationRow).where(NotificationRow.case_id == case_id).order_by(NotificationRow.id)
        return list(await session.scalars(query))


async def tries(sessions, notification_id: int) -> list[DeliveryAttemptRow]:
    async with sessions() as session:
        query = select(DeliveryAttemptRow).where(DeliveryAttemptRow.notification_id == notification_id)
        return list(await session.scalars(query.order_by(DeliveryAttemptRow.id)))


async def settled(sessions, case_id: str, count: int | None = None) -> list[NotificationRow]:
    async def done():
        found = await rows(sessions, case_id)
        ready = found and all(r.status != "pending" for r in found) and (count is None or len(found) >= count)
        return found if ready else None

    found = await eventually(done, 30)
    assert found, [(r.template, r.status, r.error) for r in await rows(sessions, case_id)]
    return found


async def test_a_channel_that_is_down_delays_messages_and_loses_none(temporal_client, settings, engine, sessions, sink):
    async with system(temporal_client, quick(settings, sink), engine) as url, httpx.AsyncClient(base_url=url) as http:
        cases = Cases(http)
        opened = [await cases.open(customer(f"outage{n}@example.cn")) for n in range(3)]

        async def tried_and_failed():
            return all([await tries(sessions, r.id) for c in opened for r in await rows(sessions, c["case_id"])])

        # the server is down: every message is tried, fails, and stays pending
        assert await eventually(tried_and_failed, 20)
        for case in opened:
            (accepted,) = await rows(sessions, case["case_id"])
            assert accepted.status == "pending" and accepted.error and "email" in accepted.error
            assert {t.channel for t in await tries(sessions, accepted.id)} == {"email"}
            assert not any(t.ok for t in await tries(sessions, accepted.id))
        sink.start()
        for n, case in enumerate(opened):
            (accepted,) = await settled(sessions, case["case_id"])
            assert accepted.status == "sent" and accepted.channel == "email"
            assert [t.ok for t in await tries(sessions, accepted.id)][-1] is True
            mails = sink.to(f"outage{n}@example.cn")
            assert len(mails) == 1 and case["case_id"] in mails[0].subject
            assert LINK.search(mails[0].text)
        # nothing more arrives later: each message went out once
        await asyncio.sleep(1.5)
        assert len(sink.received) == 3


async def test_a_message_that_never_got_through_is_failed_visible_and_resent(
    temporal_client, settings, engine, sessions, sink
):
    quick_give_up = quick(settings, sink, delivery_give_up_hours=2 / 3600)
    async with system(temporal_client, quick_give_up, engine) as url, httpx.AsyncClient(base_url=url) as http:
        case = await Cases(http).open(customer("failed@example.cn"))
        (failed,) = await settled(sessions, case["case_id"])
        assert failed.status == "failed" and failed.attempts >= 2

        listed = await http.get("/api/v1/notifications", params={"status": "failed"}, headers=SUPERVISOR)
        assert listed.status_code == 200
        assert failed.id in [n["id"] for n in listed.json()["items"]]
        assert all(n["status"] == "failed" and "body" not in n for n in listed.json()["items"])
        own = (await http.get(f"/api/v1/cases/{case['case_id']}/notifications", headers=AGENT)).json()["items"]
        assert own[0]["status"] == "failed" and own[0]["tries"] and not any(t["ok"] for t in own[0]["tries"])
        # the last channel error stays beside the verdict
        assert "email: apprise could not deliver" in own[0]["error"] and "gave up" in own[0]["error"]
        # staff read the message without the customer's tracking token
        assert "/track/…" in own[0]["body"] and not LINK.search(own[0]["body"])
        too_far = await http.get("/api/v1/notifications", params={"cursor": 99999999999}, headers=SUPERVISOR)
        assert too_far.status_code == 422
        assert (await http.get("/api/v1/notifications", headers=TECH)).status_code == 403
        assert (await http.post(f"/api/v1/notifications/{failed.id}/resend", headers=AGENT)).status_code == 403

        sink.start()
        resent = await http.post(f"/api/v1/notifications/{failed.id}/resend", headers=SUPERVISOR)
        assert resent.status_code == 202, resent.text
        (sent,) = await settled(sessions, case["case_id"])
        assert sent.status == "sent" and len(sink.to("failed@example.cn")) == 1
        again = await http.post(f"/api/v1/notifications/{failed.id}/resend", headers=SUPERVISOR)
        assert again.status_code == 409 and again.json()["error"]["delivery_status"] == "sent"
        missing = await http.post("/api/v1/notifications/2147483000/resend", headers=SUPERVISOR)
        assert missing.status_code == 404


async def test_a_message_left_pending_without_a_delivery_is_resent(temporal_client, settings, engine, sessions, sink):
    """As after a Temporal outage longer than the queuing's retries: the row is there, its
    delivery never started."""
    sink.start()
    async with system(temporal_client, quick(settings, sink), engine) as url, httpx.AsyncClient(base_url=url) as http:
        case = await Cases(http).open(customer("stranded@example.cn"))
        (sent,) = await settled(sessions, case["case_id"])
        async with sessions.begin() as session:
            stranded = NotificationRow(
                dedupe_key=f"{case['case_id']}:stranded-1",
                case_id=case["case_id"],
                audience="customer",
                recipient="customer",
                template="accepted",
                locale="zh-CN",
                subject=f"stranded {case['case_id']}",
                body="queued while Temporal was away",
                status="pending",
                attempts=0,
                created_at=sent.created_at,
            )
            session.add(stranded)
        resent = await http.post(f"/api/v1/notifications/{stranded.id}/resend", headers=SUPERVISOR)
        assert resent.status_code == 202, resent.text
        await settled(sessions, case["case_id"])
        assert [m.subject for m in sink.to("stranded@example.cn")].count(f"stranded {case['case_id']}") == 1


async def test_the_first_reachable_channel_is_used_and_a_dead_one_falls_back(
    temporal_client, settings, engine, sessions, sink
):
    dead = MailSink()  # an SMS gateway that never answers
    fallback = quick(settings, sink, customer_sms_url=dead.url("{phone}@sms.test"))
    sink.start()
    async with system(temporal_client, fallback, engine) as url, httpx.AsyncClient(base_url=url) as http:
        cases = Cases(http)
        texted = await cases.open(customer("sms-first@example.cn", preferred_channels=["sms", "email"]))
        mailed = await cases.open(customer("mail-first@example.cn", preferred_channels=["email", "sms"]))
        (first,) = await settled(sessions, texted["case_id"])
        assert first.status == "sent" and first.channel == "email"
        assert [(t.channel, t.ok) for t in await tries(sessions, first.id)][:2] == [("sms", False), ("email", True)]
        (second,) = await settled(sessions, mailed["case_id"])
        assert [(t.channel, t.ok) for t in await tries(sessions, second.id)] == [("email", True)]
        # the SMS form is the short one
        assert first.short_body and "\n" not in first.short_body


async def test_without_a_channel_messages_are_only_recorded(temporal_client, settings, engine, sessions):
    async with system(temporal_client, own_queue(settings), engine) as url, httpx.AsyncClient(base_url=url) as http:
        case = await Cases(http).open(customer("nobody@example.cn"))
        (logged,) = await settled(sessions, case["case_id"])
        assert logged.status == "logged" and logged.recipient == "customer"
        assert not await tries(sessions, logged.id)


async def test_staff_get_messages_by_their_own_contacts_and_group_bots(
    temporal_client, settings, engine, sessions, sink
):
    staffed = quick(
        settings,
        sink,
        staff_email_url=sink.url(),
        staff_group_urls={"supervisor": [sink.url("service-team@example.cn")]},
    )
    sink.start()
    async with system(temporal_client, staffed, engine) as url, httpx.AsyncClient(base_url=url) as http:
        cases = Cases(http)
        contact = {"role": "supervisor", "name": "Li Na", "email": "li.na@example.cn", "locale": "en"}
        put = await http.put(
            "/api/v1/staff/S-LINA", json=contact | {"preferred_channels": ["email"]}, headers=SUPERVISOR
        )
        assert put.status_code == 200, put.text
        assert (await http.put("/api/v1/staff/S-X", json=contact, headers=AGENT)).status_code == 403
        listed = await http.get("/api/v1/staff", params={"staff_role": "supervisor"}, headers=SUPERVISOR)
        assert "S-LINA" in [s["staff_id"] for s in listed.json()["items"]]

        case = await cases.to_quote(customer("staff-case@example.cn"))
        cid = case["case_id"]
        await cases.decide(cid, True)
        await cases.repair(cid, [("WSH-DRAIN-PUMP", 1)])
        await cases.qc(cid, True)
        await cases.handover(cid)
        # a poor score sends the supervisors a follow-up
        await cases.act(cid, "callback", {"reached": True, "csat": 1, "nps": 2, "comments": "the technician was late"})
        found = await settled(sessions, cid)
        follow_ups = [r for r in found if r.template == "follow_up"]
        ours = {"staff:S-LINA", "group:supervisor:0"}
        assert {r.recipient for r in follow_ups} >= ours
        # (other supervisors may be on file, from other tests sharing the database)
        sent = [(r.recipient, r.status, r.error) for r in follow_ups if r.recipient in ours]
        assert all(status == "sent" for _, status, _ in sent), sent
        (mine,) = [r for r in follow_ups if r.recipient == "staff:S-LINA"]
        assert mine.locale == "en"
        assert [m for m in sink.to("li.na@example.cn") if cid in m.subject]
        assert [m for m in sink.to("service-team@example.cn") if cid in m.subject]
        # staff messages carry no tracking link: the page is the customer's
        assert not LINK.search(mine.body)
        # a chat room is not told what the customer wrote
        (group,) = [r for r in follow_ups if r.recipient == "group:supervisor:0"]
        assert "the technician was late" in mine.body and "the technician was late" not in group.body
