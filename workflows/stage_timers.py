"""The timers of a case's stages: an unanswered quote expires, the callback falls due a
while after handover, and an unrecorded callback becomes unreachable. Each fires under
the lock, only if no action moved the case while it waited."""

from datetime import datetime, timedelta

from temporalio import workflow

from workflows.field_work import FieldWork

with workflow.unsafe.imports_passed_through():
    from activities import CaseRecordActivities
    from models import stages
    from models.domain import SYSTEM
    from models.events import EventType
    from models.messages import Audience, Template
    from models.payloads import CallbackInput, QuoteDecisionInput
    from models.stages import Stage


class StageTimers(FieldWork):
    _callback_due_notified: bool

    async def _wait_in_stage(self) -> None:
        stage, revision = self._state.stage, self._revision
        if self._dispatch_now():
            return await self._on_time(stage, revision)
        due = self._stage_timer()
        timeout = None if due is None else max(0.0, (due - workflow.now()).total_seconds())
        try:
            # a receipt of parts wakes a case waiting for them before its next look
            await workflow.wait_condition(lambda: self._revision != revision or self._parts_news(), timeout=timeout)
        except TimeoutError:
            return await self._on_time(stage, revision)
        if self._revision == revision and self._parts_news():
            await self._on_time(stage, revision)

    async def _on_time(self, stage: Stage, revision: int) -> None:
        """The stage's timer is due: it acts unless an action moved the case meanwhile."""
        async with self._lock:
            if self._revision == revision:
                await self._on_stage_timer(stage)
                await self._follow_customer_wait()
                self._revision += 1
                self._publish()

    def _stage_timer(self) -> datetime | None:
        s = self._state
        if s.stage is Stage.DISPATCH:
            return self._dispatch_timer()
        if s.stage is Stage.DIAGNOSIS:
            return self._visit_timer()
        if s.stage is Stage.WAITING_PARTS:
            return self._parts_timer()
        if s.stage is Stage.QUOTE_APPROVAL:
            return s.quote_expires_at
        if s.stage is Stage.CALLBACK and s.callback_due_at:
            if not self._callback_due_notified:
                return s.callback_due_at
            return s.callback_due_at + timedelta(seconds=self.policy.callback_unreachable_seconds)
        return None

    async def _on_stage_timer(self, stage: Stage) -> None:
        if stage is Stage.DISPATCH:
            await self._try_dispatch()
        elif stage is Stage.DIAGNOSIS:
            await self._visit_missed()
        elif stage is Stage.WAITING_PARTS:
            await self._check_parts()
        elif stage is Stage.QUOTE_APPROVAL:
            quote = self._state.quote
            assert quote is not None
            event = self._event(
                EventType.QUOTE_EXPIRED, SYSTEM, stages.after_quote_decision(approved=False), {"version": quote.version}
            )
            await self._commit(
                CaseRecordActivities.record_quote_decision,
                QuoteDecisionInput(event=event, version=quote.version, status="expired"),
            )
            self._notify(Audience.CUSTOMER, Template.RETURNED_UNREPAIRED)
        elif not self._callback_due_notified:
            self._callback_due_notified = True
            await self._record(self._event(EventType.CALLBACK_DUE, SYSTEM))
            self._notify(Audience.CUSTOMER, Template.CALLBACK_SURVEY)
        else:
            event = self._event(EventType.CALLBACK_UNREACHABLE, SYSTEM, stages.after_callback_unreachable())
            await self._commit(
                CaseRecordActivities.record_callback,
                CallbackInput(event=event, seq=self._seq("callback"), outcome="unreachable"),
            )

    def _enter_callback(self) -> None:
        self._state.callback_due_at = workflow.now() + timedelta(seconds=self.policy.callback_delay_seconds)
        self._callback_due_notified = False
