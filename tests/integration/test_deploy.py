"""deploy/: the compose file runs real commands with real settings, and the image builds from real paths."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import jsonschema
import pytest
import yaml

from adapters.cli.main import build_parser
from bot.config import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
COMPOSE_SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "compose-spec" / "compose-spec.json"


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
    assert {"slack", "teams", "inbound", "migrate", "ingest", "cli"} <= set(handoff_services)
    for name, service in handoff_services.items():
        if service["command"] == ["--help"]:
            continue  # the cli service: `run --rm cli COMMAND` replaces it (checked with the documented commands)
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


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_file_follows_the_compose_specification() -> None:
    validator = jsonschema.Draft7Validator(json.loads(COMPOSE_SCHEMA.read_text()))
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(_compose())]
    assert errors == []
    # The schema has teeth: a misspelt key or a wrongly typed value is caught.
    broken = _compose()
    broken["services"]["slack"]["restart_policy"] = "always"
    broken["services"]["teams"]["ports"] = "3978:3978"
    assert len(list(validator.iter_errors(broken))) >= 2


def documented_compose_commands() -> list[tuple[str, list[str]]]:
    """Every `docker compose ... run [--rm] SERVICE [ARGS]` written in the compose file and the README."""
    root = DEPLOY.parent
    found = []
    for path in (DEPLOY / "compose.yaml", root / "README.md"):
        for line in path.read_text().splitlines():
            match = re.search(r"docker compose (?:-f \S+ )?run (.+?)(?:`|#|$)", line)
            if match:
                words = shlex.split(match.group(1))
                while words and words[0].startswith("-"):  # run's own options (--rm) precede the service
                    words.pop(0)
                found.append((words[0], words[1:]))
    return found


def test_every_documented_compose_command_runs_a_real_handoff_command() -> None:
    compose, parser = _compose(), build_parser()
    documented = documented_compose_commands()
    assert {"ingest", "cli"} <= {service for service, _ in documented}
    for service, extra in documented:
        assert service in compose["services"], f"documented `run {service}`: no such service"
        # As `docker compose run` does: arguments after the service replace its command; the entrypoint stays.
        argv = extra or compose["services"][service]["command"]
        args = parser.parse_args(argv)
        assert callable(getattr(args, "run", None)), f"`run {service} {' '.join(extra)}` is not a handoff command"


def test_servers_wait_for_the_one_migration() -> None:
    services = _compose()["services"]
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert "migrate" not in services["migrate"].get("depends_on", {})
    for name in ("slack", "teams", "inbound"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
        assert services[name]["read_only"] is True
        port = services[name]["command"][services[name]["command"].index("--port") + 1]
        assert f"{port}/healthz" in " ".join(services[name]["healthcheck"]["test"]), name


@pytest.mark.parametrize("argv", [["/import"], ["ingest"]])
def test_the_old_documented_ingest_command_would_have_been_refused(argv: list[str]) -> None:
    # `run --rm ingest /import` ran `handoff /import`; argparse refuses it (exit 2), as does a missing folder.
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(argv)
    assert exc.value.code == 2
