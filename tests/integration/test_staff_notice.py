"""A staff message about no case (a complaint's, a review's): one outbox row per recipient,
in their language, written once however often it is queued, and delivered by the same
Delivery workflow as a case's messages, to real mail."""

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select

from activities.dispatch import start_deliveries
from activities.staff_notice import queue_staff_notice
from models.messages import Audience, Template
from models.tables import NotificationRow
from tests.integration.cases import SUPERVISOR
from tests.integration.mail_sink import MailSink
from tests.integration.running import eventually, own_queue, system

PARAMS = {"review_id": "weekly-2026-W49", "kind": "weekly", "period": "2026-11-30 – 2026-12-06", "score": "7/9"}


@pytest.fixture
async def sink():
    sink = MailSink()
    yield sink
    sink.stop()


async def test_a_review_notice_reaches_each_manager_once_in_their_language(
    temporal_client, settings, engine, sessions, sink
):
    staffed = own_queue(settings, staff_email_url=sink.url(), delivery_first_retry_seconds=0.2)
    sink.start()
    manager = f"M-{uuid.uuid4().hex[:8]}"
    email = f"{manager.lower()}@example.cn"
    async with system(temporal_client, staffed, engine) as url, httpx.AsyncClient(base_url=url) as http:
        contact = {
            "role": "manager",
            "name": "Zhao Min",
            "email": email,
            "locale": "en",
            "preferred_channels": ["email"],
        }
        assert (await http.put(f"/api/v1/staff/{manager}", json=contact, headers=SUPERVISOR)).status_code == 200
        key = f"review:{uuid.uuid4().hex}:ready"
        notice = dict(
            audience=Audience.MANAGER,
            template=Template.REVIEW_READY,
            key=key,
            params=PARAMS | {"missed": ["CSAT"]},
            at=datetime.now(UTC),
        )
        async with sessions.begin() as session:
            ids = await queue_staff_notice(session, staffed, **notice)
        async with sessions.begin() as session:
            again = await queue_staff_notice(session, staffed, **notice)
        # queued twice, written once: the retry finds the same rows
        assert ids and again == ids
        await start_deliveries(temporal_client, staffed, ids)

        async def mine():
            async with sessions() as session:
                row = await session.scalar(
                    select(NotificationRow).where(NotificationRow.dedupe_key == f"{key}>staff:{manager}")
                )
            return row if row is not None and row.status == "sent" else None

        row = await eventually(mine, 30)
        assert row is not None and row.id in ids
        assert (row.case_id, row.complaint_id, row.review_id, row.audience) == (None, None, None, "manager")
        assert row.locale == "en" and row.subject == "Review ready weekly-2026-W49"
        assert "Targets missed: CSAT" in row.body
        assert [m for m in sink.to(email) if "weekly-2026-W49" in m.subject]


async def test_a_staff_notice_is_never_for_the_customer(sessions, settings):
    async with sessions.begin() as session:
        with pytest.raises(ValueError, match="staff"):
            await queue_staff_notice(
                session,
                settings,
                audience=Audience.CUSTOMER,
                template=Template.REVIEW_READY,
                key="review:x:ready",
                params={},
                at=datetime.now(UTC),
            )
