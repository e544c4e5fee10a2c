"""The REST API (docs/api.md): reads cases from PostgreSQL, sends every change to the
case's workflow as a Temporal update. `uvicorn api.app:app`."""
