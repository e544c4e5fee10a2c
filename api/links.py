"""OpenAPI links from each answer that names a case to the operations on that case, so a
client (and a stateful test, such as schemathesis's) can follow a case from intake through
its actions: `case_id` of the case view, or of the first item of a list."""

from typing import Any

from models.stages import Action

CASE_OPERATIONS = ("get_case", "get_timeline", *(f"record_{action.value}" for action in Action))


def to_case(pointer: str = "/case_id") -> dict[str, Any]:
    """The `links` of a response whose body holds a case id at the JSON `pointer`."""
    return {
        "links": {
            operation: {"operationId": operation, "parameters": {"case_id": f"$response.body#{pointer}"}}
            for operation in CASE_OPERATIONS
        }
    }
