"""Chaos run: repair cases driven over HTTP through their whole lifecycle while the
system is broken underneath them, then PostgreSQL checked for what was lost or written
twice.

It starts its own embedded PostgreSQL and Temporal dev server (free ports, a temporary
directory), the API (`uvicorn api.app:app`) and two workers (`python worker.py`), each a
process of its own. Concurrent clients send every POST with an Idempotency-Key and retry
it on connection errors, timeouts and 503 answers, while the run SIGKILLs workers
(restarting each at once), restarts the Temporal dev server on its SQLite file and
restarts PostgreSQL on its data directory. The last line of its output is

    chaos: N cases, K kills, R restarts, lost L, duplicated D

and the exit code is 0 only when nothing was lost or duplicated, no client saw a 5xx
other than 503 or a 409 after a retry, every planned fault happened and every process
recovered by itself.

    make chaos
    .venv/bin/python -m chaos [--cases 300] [--other-cases 30] [--clients 24] [--kills 10]
        [--temporal-restarts 2] [--postgres-restarts 1] [--keep] ...   (--help lists them all)

About six minutes on 2 cores. The data and every process's log stay in a temporary
directory when the run fails (the report says where); `--keep` keeps them anyway.

Modules: plan (the run's size and faults), paths (the lifecycles, their requests and
what each leaves in PostgreSQL), servers (PostgreSQL and Temporal), apps (the API and
worker processes), client (one action with its retries), driver (the cases), faults
(what breaks, and when), probes (did the system come back), checks (the database
afterwards), outcome (the verdict and the report), run (all of it, and the command).
"""
