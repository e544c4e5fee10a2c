"""The business errors of a case, one kind each, and the only place their messages are
written. The workflow and the activities raise them as non-retryable ApplicationErrors;
the API answers each kind with the status its table in api/errors.py gives it."""

from enum import StrEnum
from typing import TypedDict

from temporalio.exceptions import ApplicationError


class ErrorKind(StrEnum):
    # the values are the ApplicationError types on the wire: cases in flight carry them
    INVALID_STAGE = "InvalidStage"
    INVALID_INPUT = "InvalidInput"
    DUPLICATE_OPEN_CASE = "DuplicateOpenCase"
    # a technician acting on a case that is not theirs: to them it does not exist
    NOT_ASSIGNED = "NotAssigned"
    # an Idempotency-Key sent again with another request
    IDEMPOTENCY_KEY_REUSED = "IdempotencyKeyReused"
    # the database refuses the data itself (too long, not storable): retrying cannot help
    UNRECORDABLE = "Unrecordable"
    # an action's write kept failing for as long as the case's policy allows
    NOT_RECORDED = "NotRecorded"
    # an action on a complaint or a follow-up that is closed already
    CLOSED = "Closed"


class FieldError(TypedDict):
    field: str
    message: str


def invalid_stage_message(action: str, stage: str) -> str:
    return f"{action} is not allowed while the case is in stage {stage}"


def invalid_stage(action: str, stage: str) -> ApplicationError:
    """Detail: the stage the case is in."""
    return ApplicationError(
        invalid_stage_message(action, stage), str(stage), type=ErrorKind.INVALID_STAGE, non_retryable=True
    )


INVALID_INPUT = "invalid input"


def invalid_fields(fields: list[FieldError], message: str = INVALID_INPUT) -> ApplicationError:
    """Detail: the fields at fault, each with its message."""
    return ApplicationError(message, fields, type=ErrorKind.INVALID_INPUT, non_retryable=True)


def invalid_input(field: str, message: str) -> ApplicationError:
    return invalid_fields([{"field": field, "message": message}], message)


def duplicate_open_case_message(case_id: str) -> str:
    return f"case {case_id} is already open for this serial number"


def duplicate_open_case(case_id: str) -> ApplicationError:
    """Detail: the id of the case already open."""
    return ApplicationError(
        duplicate_open_case_message(case_id), case_id, type=ErrorKind.DUPLICATE_OPEN_CASE, non_retryable=True
    )


def not_assigned(case_id: str, technician_id: str) -> ApplicationError:
    """Detail: the case id."""
    return ApplicationError(
        f"case {case_id} is not assigned to technician {technician_id}",
        case_id,
        type=ErrorKind.NOT_ASSIGNED,
        non_retryable=True,
    )


def idempotency_key_reused() -> ApplicationError:
    return ApplicationError(
        "this Idempotency-Key came with another request before; use a new key for a new request",
        type=ErrorKind.IDEMPOTENCY_KEY_REUSED,
        non_retryable=True,
    )


def unrecordable(reason: str) -> ApplicationError:
    return ApplicationError(
        f"the database refused to record this ({reason}); nothing was changed",
        type=ErrorKind.UNRECORDABLE,
        non_retryable=True,
    )


def not_recorded(seconds: float) -> ApplicationError:
    return ApplicationError(
        f"the case could not record this action in {seconds:.0f} s of trying; nothing was changed. "
        "Send it again with a new Idempotency-Key",
        type=ErrorKind.NOT_RECORDED,
        non_retryable=True,
    )


def closed(what: str, status: str) -> ApplicationError:
    """Detail: the status it was closed with."""
    return ApplicationError(f"{what} is closed ({status})", status, type=ErrorKind.CLOSED, non_retryable=True)


def kind_of(err: BaseException) -> ErrorKind | None:
    """The business kind of an error, or None for anything else (an outage, a bug)."""
    kind = err.type if isinstance(err, ApplicationError) else None
    return next((k for k in ErrorKind if k.value == kind), None)


def detail(err: ApplicationError) -> object:
    return err.details[0] if err.details else None


def passed_on(err: BaseException) -> ApplicationError | None:
    """A business error an activity raised, raised again as the workflow's own so the
    caller of an update sees its kind and detail, not an activity failure. None for
    anything else, which the workflow lets through."""
    if not isinstance(err, ApplicationError) or kind_of(err) is None:
        return None
    return ApplicationError(err.message, *err.details, type=err.type, non_retryable=True)
