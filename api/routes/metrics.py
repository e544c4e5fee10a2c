"""The API process's metrics in Prometheus text format, for a scraper without an API key."""

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.backlog import refresh_backlog
from api.deps import Db

router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    summary="Operations metrics in Prometheus text format",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "the metrics (docs/architecture.md)"}},
)
async def metrics(session: Db) -> Response:
    # no key: a scraper has none, and the labels hold no case id and nothing personal
    await refresh_backlog(session)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
