# syntax=docker/dockerfile:1
# The RepairFlow app image: one image for the API (default command), the worker
# (`python worker.py`) and the migrations (`alembic upgrade head`); see docker-compose.yml.
#
# It installs the project with its runtime dependencies only (`pip install .`): the
# [dev] and [test] extras carry embedded PostgreSQL and the Temporal CLI dev server,
# which production does not use, and devstack/ (the `make dev` launcher) stays out.
# Reference data loads with `python -m reference.load`.

ARG PYTHON_IMAGE=python:3.11-slim

# --- build: a virtualenv holding the project and its dependencies -------------------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
# what `pip install .` needs: the metadata (pyproject.toml names README.md as the
# readme) and every package and module listed in [tool.setuptools]
COPY pyproject.toml README.md ./
COPY settings.py clients.py codec.py tracking.py worker.py ./
COPY models/ models/
COPY workflows/ workflows/
COPY activities/ activities/
COPY api/ api/
COPY messages/ messages/
COPY reference/ reference/
COPY observability/ observability/
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install .

# --- runtime -----------------------------------------------------------------------
FROM ${PYTHON_IMAGE}

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONFAULTHANDLER=1 \
    PATH=/opt/venv/bin:$PATH

# a non-root user with a writable home (for libraries that cache under ~)
RUN groupadd --system --gid 10001 repairflow \
    && useradd --system --uid 10001 --gid repairflow --create-home --home-dir /home/repairflow \
       --shell /usr/sbin/nologin repairflow

COPY --from=build /opt/venv /opt/venv

# The code itself lives in the virtualenv; /app holds what runs from a directory:
# the Alembic config and scripts, and worker.py for `python worker.py`.
# Owned by root, so the app user cannot change them.
WORKDIR /app
COPY alembic.ini worker.py ./
COPY migrations/ migrations/

USER repairflow:repairflow

EXPOSE 8000

# The API. The worker and the migrations override the command:
#   python worker.py          alembic upgrade head
CMD ["uvicorn", "api.app:app", "--host", "0.0.0.0", "--port", "8000"]
