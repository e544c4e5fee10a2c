"""Errors in the data itself fail an activity at once: the database will refuse the same
values on every retry, and a retry loop would hold the case while it runs."""

from typing import Any

from sqlalchemy.exc import DBAPIError
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

from models import errors

# SQLSTATE classes: 22 data exception (too long, bad encoding, NUL...), 23 integrity constraint
REFUSED_DATA = ("22", "23")


def refused_data(err: DBAPIError) -> bool:
    state = getattr(err.orig, "sqlstate", None)
    return isinstance(state, str) and state[:2] in REFUSED_DATA


def reason(err: DBAPIError) -> str:
    return str(err.orig).splitlines()[0] if err.orig is not None else type(err).__name__


class _RefusedData(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        try:
            return await super().execute_activity(input)
        except DBAPIError as err:
            if refused_data(err):
                raise errors.unrecordable(reason(err)) from None
            raise


class RefusedDataIsFinal(Interceptor):
    """Worker interceptor: a data error in any activity is a non-retryable Unrecordable."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _RefusedData(next)
