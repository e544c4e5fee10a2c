"""Static checks of docker-compose.yml and the Dockerfile (no Docker needed): the services
and their start-up order, health checks, a scalable worker, the search attributes the
code uses, and app settings that settings.Settings knows."""

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from devstack.temporal import command
from models.search_attributes import CLI_TYPES
from settings import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"

APP_SERVICES = ("migrate", "api", "worker")
REQUIRED_SERVICES = {"postgres", "temporal", "temporal-ui", "search-attributes", *APP_SERVICES}
PASSED_THROUGH = (
    "REPAIRFLOW_TIME_SCALE",
    "REPAIRFLOW_API_KEYS",
    "REPAIRFLOW_NOTIFY_CUSTOMER_URLS",
    "REPAIRFLOW_NOTIFY_STAFF_URLS",
    "REPAIRFLOW_SLA_HOLIDAYS",
    "REPAIRFLOW_SLA_CALENDARS",
)


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
    assert depends_on(services["migrate"]) == {"postgres": "service_healthy"}
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
        r"postgresql\+asyncpg://[^@]+@postgres:5432/repairflow", with_defaults(env["REPAIRFLOW_DATABASE_URL"])
    )
    assert env["REPAIRFLOW_TEMPORAL_ADDRESS"] == "temporal:7233"
    for key in PASSED_THROUGH:
        assert env[key].startswith(f"${{{key}:-"), key


def test_app_environment_defaults_are_valid_settings(services, monkeypatch):
    for key, value in environment(services["api"]).items():
        monkeypatch.setenv(key, with_defaults(value))
    settings = Settings()
    assert settings.temporal_address == "temporal:7233"
    assert settings.time_scale == 1.0
    assert settings.api_keys == {} and settings.notify_customer_urls == []


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
    assert {"models", "workflows", "activities", "api", "reference", "worker.py"} <= top
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
