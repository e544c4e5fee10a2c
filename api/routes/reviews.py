"""Supervisors: the periodic reviews' reports, and a review of a period run now
(docs/reviews.md)."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from sqlalchemy import select, tuple_
from temporalio.common import WorkflowIDConflictPolicy

from api.auth import Principal, role
from api.commands import _answer
from api.deps import Db, Svc
from api.errors import ApiError, invalid, responses, temporal_unavailable
from api.queries import CURSOR_LENGTH, CURSOR_PATTERN, decode_cursor, encode_cursor
from api.review_schemas import ReviewPage, ReviewRequest, ReviewSummary, ReviewView
from models import kpis
from models.domain import Role
from models.periodic_review import Period, ReviewKind, ReviewRun
from models.periodic_review import review_id as id_of
from models.tables import ReviewReportRow
from workflows import PeriodicReviewWorkflow

router = APIRouter(prefix="/api/v1/reviews", tags=["reviews"])
# managers have no API role: supervisors read the reviews
Supervisor = Annotated[Principal, Depends(role(Role.SUPERVISOR, what="see the reviews"))]
ReviewId = Annotated[str, Path(min_length=1, max_length=80, pattern=r"^[a-z]+-[0-9A-Za-z-]+$")]


def not_found(given: str) -> ApiError:
    return ApiError(404, "not_found", f"review {given} not found")


@router.post(
    "",
    response_model=ReviewView,
    response_model_by_alias=True,
    status_code=201,
    summary="Review a period now",
    responses={**responses(400, 401, 403, 413, 422, 503), 200: {"description": "the period's review was already made"}},
)
async def run_review(
    body: ReviewRequest, principal: Supervisor, session: Db, svc: Svc, response: Response
) -> ReviewView:
    """Runs the review workflow for [from, to) and answers with its report (201), or with
    the report already made for the same period (200). At most 400 days."""
    start, end = kpis.as_instant(body.period_from), kpis.as_instant(body.period_to)
    if problem := kpis.span_problem(start, end):
        raise invalid([{"field": "to", "message": problem}])
    # a review is the period's record once made: a period still running would be frozen early
    if end > datetime.now(UTC):
        raise invalid([{"field": "to", "message": "the period must have ended: a review is of a past period"}])
    wanted = id_of(ReviewKind.REQUESTED, Period(start, end), svc.settings.review_timezone)
    if (stored := await session.get(ReviewReportRow, wanted)) is None:
        run = ReviewRun(
            kind=ReviewKind.REQUESTED,
            timezone=svc.settings.review_timezone,
            period_from=start,
            period_to=end,
            requested_by=str(principal.actor),
        )
        # a run that failed or did not answer in time is a 503 (api.commands._answer)
        await _answer(
            svc.temporal.execute_workflow(
                PeriodicReviewWorkflow.run,
                run,
                id=f"review-{wanted}",
                task_queue=svc.settings.task_queue,
                # two supervisors asking at once share one run
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            ),
            svc.settings.answer_timeout,
        )
        stored = await session.get(ReviewReportRow, wanted)
        if stored is None:
            raise temporal_unavailable("the review could not be made; try again")
    else:
        response.status_code = 200
    return ReviewView.model_validate(stored)


@router.get(
    "",
    response_model=ReviewPage,
    response_model_by_alias=True,
    summary="The reviews made, newest first",
    responses=responses(401, 403, 422),
)
async def list_reviews(
    _: Supervisor,
    session: Db,
    kind: ReviewKind | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[
        str | None,
        Query(max_length=CURSOR_LENGTH, pattern=CURSOR_PATTERN, description="`next_cursor` of the page before"),
    ] = None,
) -> ReviewPage:
    r = ReviewReportRow
    query = select(r).order_by(r.created_at.desc(), r.review_id.desc()).limit(limit + 1)
    if kind is not None:
        query = query.where(r.kind == kind.value)
    if cursor is not None:
        # every cursor of the pattern is a place in the list, as for cases
        query = query.where(tuple_(r.created_at, r.review_id) < decode_cursor(cursor))
    rows = list(await session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return ReviewPage(
        items=[ReviewSummary.model_validate(row) for row in rows],
        next_cursor=encode_cursor(rows[-1].created_at, rows[-1].review_id) if more else None,
    )


@router.get(
    "/{review_id}",
    response_model=ReviewView,
    response_model_by_alias=True,
    summary="One review with its report",
    responses=responses(401, 403, 404, 422),
)
async def get_review(review_id: ReviewId, _: Supervisor, session: Db) -> ReviewView:
    stored = await session.get(ReviewReportRow, review_id)
    if stored is None:
        raise not_found(review_id)
    return ReviewView.model_validate(stored)
