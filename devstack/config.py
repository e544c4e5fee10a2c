"""What `make dev` takes from the environment, and the environment it gives the worker and
the API.

    REPAIRFLOW_DEV_DATA           where the stack keeps its data (default: .data/)
    REPAIRFLOW_DEV_API_PORT       the API (default 8000)
    REPAIRFLOW_DEV_TEMPORAL_PORT  the Temporal frontend (default 7233)
    REPAIRFLOW_DEV_UI_PORT        the Temporal UI (default 8233)

Payloads are encrypted in dev as in production. Unless the environment sets them, the
worker and the API get the dev payload key below and a fixed token for the Temporal UI's
codec path. Both are public — they are in this file — and only fit a dev stack on one
machine: never use them anywhere else.
"""

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from devstack import ROOT

# "<key id>:<base64 of 32 bytes>": the bytes 0, 1, 2 … 31
DEV_PAYLOAD_KEY = "dev-1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
# the Temporal UI calls the API's codec at /codec/ui/<token> (it cannot send an API key)
DEV_CODEC_UI_TOKEN = "dev-codec-ui-token"
# the key the CLI hint in the banner decodes with (seeded with the dev keys)
CLI_CODEC_KEY = "dev-supervisor-key"

PAYLOAD_KEY = "REPAIRFLOW_PAYLOAD_KEY"
CODEC_UI_TOKEN = "REPAIRFLOW_CODEC_UI_TOKEN"
CODEC_CORS_ORIGINS = "REPAIRFLOW_CODEC_CORS_ORIGINS"


def _port(environ: Mapping[str, str], name: str, default: int) -> int:
    value = environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise RuntimeError(f"{name}={value!r} is not a port number")
    return int(value)


@dataclass(frozen=True)
class DevConfig:
    data_dir: Path = ROOT / ".data"
    host: str = "127.0.0.1"
    api_port: int = 8000
    temporal_port: int = 7233
    ui_port: int = 8233

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "DevConfig":
        data = environ.get("REPAIRFLOW_DEV_DATA", "").strip()
        return cls(
            data_dir=Path(data).resolve() if data else cls.data_dir,
            api_port=_port(environ, "REPAIRFLOW_DEV_API_PORT", cls.api_port),
            temporal_port=_port(environ, "REPAIRFLOW_DEV_TEMPORAL_PORT", cls.temporal_port),
            ui_port=_port(environ, "REPAIRFLOW_DEV_UI_PORT", cls.ui_port),
        )

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.api_port}"

    @property
    def ui_url(self) -> str:
        return f"http://{self.host}:{self.ui_port}"

    def ui_codec_endpoint(self, token: str) -> str:
        """The codec the Temporal UI decodes payloads with: the API, under the UI token."""
        return f"{self.api_url}/codec/ui/{token}"

    def cli_codec_flags(self) -> str:
        """The flags with which `temporal workflow show …` decodes through the API."""
        return f"--codec-endpoint {self.api_url}/codec --codec-auth 'Bearer {CLI_CODEC_KEY}'"


def encryption_env(environ: Mapping[str, str], config: DevConfig) -> dict[str, str]:
    """The payload key, the UI codec token and the origins allowed to call the codec:
    the environment's where it sets them (an empty REPAIRFLOW_PAYLOAD_KEY turns encryption
    off), the dev ones otherwise."""
    return {
        PAYLOAD_KEY: environ.get(PAYLOAD_KEY, DEV_PAYLOAD_KEY),
        CODEC_UI_TOKEN: environ.get(CODEC_UI_TOKEN, DEV_CODEC_UI_TOKEN),
        CODEC_CORS_ORIGINS: environ.get(
            CODEC_CORS_ORIGINS, json.dumps([config.ui_url, f"http://localhost:{config.ui_port}"])
        ),
    }


def child_env(
    environ: Mapping[str, str], config: DevConfig, database_url: str, temporal_address: str
) -> dict[str, str]:
    """The environment of the worker and the API."""
    return (
        dict(environ)
        | {"REPAIRFLOW_DATABASE_URL": database_url, "REPAIRFLOW_TEMPORAL_ADDRESS": temporal_address}
        | encryption_env(environ, config)
        # the tracking links in messages point at this stack's API unless told otherwise
        | {"REPAIRFLOW_PUBLIC_URL": environ.get("REPAIRFLOW_PUBLIC_URL", config.api_url)}
        # and the dashboard's links at this stack's Temporal UI
        | {"REPAIRFLOW_TEMPORAL_UI_URL": environ.get("REPAIRFLOW_TEMPORAL_UI_URL", config.ui_url)}
    )


CHANNEL_VARIABLES = tuple(
    f"REPAIRFLOW_{who}_{channel}_URL" for who in ("CUSTOMER", "STAFF") for channel in ("EMAIL", "SMS", "WECHAT")
)


def message_lines(env: Mapping[str, str], config: DevConfig) -> list[str]:
    """What the banner says about where messages go and where to read them."""
    configured = [name for name in CHANNEL_VARIABLES if env.get(name, "").strip()]
    if env.get("REPAIRFLOW_STAFF_GROUP_URLS", "").strip() not in ("", "{}"):
        configured.append("REPAIRFLOW_STAFF_GROUP_URLS")
    read = f"read them: GET {config.api_url}/api/v1/cases/<case id>/notifications (agent key)"
    if not configured:
        return ["recorded and logged, not sent (no channel configured)", read]
    return [f"sent through {', '.join(configured)}", read]


def payload_lines(env: Mapping[str, str], config: DevConfig, temporal_cli: str, temporal_address: str) -> list[str]:
    """What the banner says about payload encryption and how to read the payloads."""
    key = env.get(PAYLOAD_KEY, "")
    if not key:
        return [f"in clear ({PAYLOAD_KEY} is empty)"]
    key_id = key.partition(":")[0]
    lines = [
        f"encrypted with the dev key {key_id} (a dev key: never use it in production)"
        if key == DEV_PAYLOAD_KEY
        else f"encrypted with key {key_id} from {PAYLOAD_KEY}"
    ]
    if env.get(CODEC_UI_TOKEN):
        lines.append(f"the Temporal UI decodes them through the API ({config.api_url}/codec/ui/…)")
    address = "" if temporal_address == "127.0.0.1:7233" else f" --address {temporal_address}"
    lines.append(f"CLI: {temporal_cli} workflow show -w <case id>{address} {config.cli_codec_flags()}")
    return lines
