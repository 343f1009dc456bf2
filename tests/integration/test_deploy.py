"""deploy/: the compose file runs real commands with real settings, and the image builds from real paths."""

from __future__ import annotations

from pathlib import Path

import yaml

from adapters.cli.main import build_parser
from bot.config import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def setting_names() -> set[str]:
    names = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        names.update(getattr(alias, "choices", None) or [f"HANDOFF_{name.upper()}"])
    return names


def test_compose_services_run_real_commands_with_real_settings() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    parser = build_parser()
    handoff_services = {k: v for k, v in compose["services"].items() if v.get("image") == "handoff:latest"}
    assert {"slack", "teams", "inbound"} <= set(handoff_services)
    for name, service in handoff_services.items():
        args = parser.parse_args(service["command"])  # exits (fails the test) on an unknown command or flag
        assert callable(args.run), name
        if service["command"][0] == "serve":
            # Inside a container the default 127.0.0.1 would be unreachable from the published port.
            assert args.host == "0.0.0.0", name
        for key in service.get("environment", {}):
            assert key in setting_names(), f"{name}: {key} is not a Handoff setting"


def test_env_example_names_only_real_settings() -> None:
    for line in (DEPLOY / "handoff.env.example").read_text().splitlines():
        line = line.strip().lstrip("# ").strip()
        if "=" in line and not line.startswith(("Secrets", "Every")):
            key = line.split("=", 1)[0].strip()
            if key.isidentifier():
                assert key in setting_names(), f"handoff.env.example: {key} is not a Handoff setting"


def test_dockerfile_copies_the_packages_that_exist() -> None:
    root = DEPLOY.parent
    for line in (DEPLOY / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (root / source).exists(), f"Dockerfile copies {source}, which does not exist"
