"""What can happen to a case: the types of its timeline events and of its escalations.

An event is one entry of a case's timeline; the workflow writes each once, keyed by
(case, key). Their values are stored and shown by the API, so they never change."""

from enum import StrEnum


class EventType(StrEnum):
    CASE_CREATED = "case_created"
    TRIAGED = "triaged"
    REMOTE_RESOLVED = "remote_resolved"
    REMOTE_GUIDANCE = "remote_guidance"  # guided, not resolved: sent on to dispatch
    TECHNICIAN_ASSIGNED = "technician_assigned"
    TECHNICIAN_REASSIGNED = "technician_reassigned"
    DIAGNOSED = "diagnosed"
    QUOTE_APPROVED = "quote_approved"
    QUOTE_DECLINED = "quote_declined"
    QUOTE_EXPIRED = "quote_expired"
    REPAIRED = "repaired"
    QC_PASSED = "qc_passed"
    QC_FAILED = "qc_failed"
    HANDOVER_ACCEPTED = "handover_accepted"
    RETURNED_UNREPAIRED = "returned_unrepaired"
    COMPENSATION_AGREED = "compensation_agreed"
    HANDOVER_REFUSED = "handover_refused"
    CALLBACK_DUE = "callback_due"
    CALLBACK_REACHED = "callback_reached"
    CALLBACK_NOT_REACHED = "callback_not_reached"
    CALLBACK_UNREACHABLE = "callback_unreachable"
    CANCELLED = "cancelled"
    REVIEWED = "reviewed"
    SLA_WARN = "sla_warn"
    SLA_BREACH = "sla_breach"
    SLA_RAISE = "sla_raise"
    SLA_PAUSED = "sla_paused"
    SLA_RESUMED = "sla_resumed"
    SLA_EXTENDED = "sla_extended"
    # a triage override changed the priority: the clock takes the new one's budget
    SLA_REPRIORITIZED = "sla_reprioritized"
    QC_REWORK_LIMIT = "qc_rework_limit"
    FOLLOW_UP = "follow_up"
    TRIAGE_OVERRIDDEN = "triage_overridden"
    # automatic dispatch found nobody free: the dispatch desk is told, and it tries again
    DISPATCH_WAITING = "dispatch_waiting"
    APPOINTMENT_SET = "appointment_set"
    ARRIVED = "arrived"
    VISIT_MISSED = "visit_missed"
    PARTS_RESERVED = "parts_reserved"
    # cases begun before the escalation ladder: one breach event per target
    SLA_BREACH_ASSIGNED = "sla_breach_assigned"
    SLA_BREACH_DIAGNOSIS_STARTED = "sla_breach_diagnosis_started"
    SLA_BREACH_RESOLVED = "sla_breach_resolved"


class EscalationKind(StrEnum):
    """Why someone above the case's handler was told about it (table escalations)."""

    SLA_WARN = "sla_warn"
    SLA_BREACH = "sla_breach"
    SLA_RAISE = "sla_raise"
    QC_REWORK_LIMIT = "qc_rework_limit"
    FOLLOW_UP = "follow_up"
    VISIT_MISSED = "visit_missed"


# what a customer may see of their case's timeline (the tracking page, their messages): the
# steps of the repair itself, never the SLA clocks, escalations or the callback attempts
CUSTOMER_EVENTS: frozenset[EventType] = frozenset(
    {
        EventType.CASE_CREATED,
        EventType.TRIAGED,
        EventType.REMOTE_RESOLVED,
        EventType.TECHNICIAN_ASSIGNED,
        EventType.APPOINTMENT_SET,
        EventType.ARRIVED,
        EventType.DIAGNOSED,
        EventType.PARTS_RESERVED,
        EventType.QUOTE_APPROVED,
        EventType.QUOTE_DECLINED,
        EventType.QUOTE_EXPIRED,
        EventType.REPAIRED,
        EventType.QC_PASSED,
        EventType.HANDOVER_ACCEPTED,
        EventType.RETURNED_UNREPAIRED,
        EventType.COMPENSATION_AGREED,
        EventType.HANDOVER_REFUSED,
        EventType.CALLBACK_REACHED,
        EventType.CANCELLED,
        EventType.REVIEWED,  # the case is closed (or its cancellation complete)
    }
)
