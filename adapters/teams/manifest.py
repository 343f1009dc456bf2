"""The Teams app package: ``deploy/teams/manifest.template.json`` filled in, zipped with its icons.

Teams requires the app id and the bot id to be GUIDs, so the committed file is
a template with ``{{NAME}}`` placeholders (a placeholder GUID would install a
bot that cannot exist); ``handoff teams-manifest --app-id ...`` writes the zip
to upload in Teams (Apps > Manage your apps > Upload an app).
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

from bot.errors import BadInput, ConfigError

GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
_PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")
FILES = ("manifest.template.json", "color.png", "outline.png")


def default_source() -> Path:
    """``deploy/teams`` of the source tree this package runs from (a checkout or an editable install)."""
    for candidate in (Path(__file__).resolve().parents[2] / "deploy" / "teams", Path.cwd() / "deploy" / "teams"):
        if (candidate / FILES[0]).is_file():
            return candidate
    raise ConfigError("deploy/teams/manifest.template.json not found: run from a Handoff checkout or pass --source")


def render(template: str, *, app_id: str, domain: str, teams_app_id: str | None = None,
           website_url: str | None = None, version: str = "1.0.0") -> dict[str, Any]:
    """The manifest for one bot registration; ``BadInput`` names a value Teams would reject."""
    teams_app_id = teams_app_id or app_id
    for name, value in (("--app-id", app_id), ("--teams-app-id", teams_app_id)):
        if not GUID.match(value):
            raise BadInput(f"{name}: {value!r} is not a GUID (the bot's Microsoft App ID looks like "
                           "00000000-0000-0000-0000-000000000000)")
    if set(app_id.strip("0-")) == set():
        raise BadInput("--app-id: the all-zero GUID is a placeholder, not a bot")
    domain = domain.strip().lower()
    if not DOMAIN.match(domain):
        raise BadInput(f"--domain: {domain!r} is not a host name (e.g. handoff.example.com, no https://)")
    if not SEMVER.match(version):
        raise BadInput(f"--version: {version!r} is not MAJOR.MINOR.PATCH")
    website_url = (website_url or f"https://{domain}").rstrip("/")
    if not website_url.startswith("https://"):
        raise BadInput("--website-url must start with https://")
    values = {"MICROSOFT_APP_ID": app_id.lower(), "TEAMS_APP_ID": teams_app_id.lower(), "BOT_DOMAIN": domain,
              "WEBSITE_URL": website_url, "VERSION": version}
    unknown = set(_PLACEHOLDER.findall(template)) - set(values)
    if unknown:
        raise ConfigError(f"manifest template has unknown placeholders: {', '.join(sorted(unknown))}")
    # Substitute inside the parsed JSON, so a value can never break the JSON around it.
    def fill(node: Any) -> Any:
        if isinstance(node, str):
            return _PLACEHOLDER.sub(lambda m: values[m.group(1)], node)
        if isinstance(node, list):
            return [fill(n) for n in node]
        if isinstance(node, dict):
            return {k: fill(v) for k, v in node.items()}
        return node
    return fill(json.loads(template))


def write_package(out: Path, *, source: Path, **values: Any) -> dict[str, Any]:
    """Write the app package zip (manifest.json and the two icons at its root); returns the manifest."""
    missing = [f for f in FILES if not (source / f).is_file()]
    if missing:
        raise ConfigError(f"{source}: missing {', '.join(missing)}")
    manifest = render((source / FILES[0]).read_text(encoding="utf-8"), **values)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        for icon in ("color.png", "outline.png"):
            package.write(source / icon, arcname=icon)
    return manifest
