"""deploy/k8s: every overlay renders with `kubectl kustomize` and validates against a current Kubernetes.

kubernetes-validate checks each object against the OpenAPI schemas of the
Kubernetes release it ships (strict: unknown fields are errors). On top of the
schema, what the schema cannot know: the commands are real ``handoff``
commands, the settings are real settings, no secret value is in the output,
each front end is probed, limited, read-only, non-root and covered by a PDB.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from adapters.cli.commands import serve
from adapters.cli.main import build_parser
from tests.integration.test_deploy import setting_names

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
OVERLAYS = sorted(p.name for p in (K8S / "overlays").iterdir() if (p / "kustomization.yaml").exists())
KUBECTL = shutil.which("kubectl")
# Settings read by libraries rather than by Handoff (allowed in a container's env, not in the ConfigMap).
LIBRARY_ENV = {"MPLCONFIGDIR"}


def kubernetes_version() -> str:
    return kubernetes_validate.latest_version()


def render(overlay: str) -> list[dict[str, Any]]:
    if KUBECTL is None:
        pytest.skip("kubectl is not installed: the manifests cannot be rendered here (apt-get install kubectl)")
    out = subprocess.run([KUBECTL, "kustomize", str(K8S / "overlays" / overlay)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return [doc for doc in yaml.safe_load_all(out.stdout) if doc]


def of_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return doc["spec"]["template"]["spec"]["containers"]


def test_there_are_the_two_layouts() -> None:
    assert OVERLAYS == ["scaled", "single"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_validates_against_kubernetes(overlay: str) -> None:
    docs = render(overlay)
    version = kubernetes_version()
    assert tuple(int(x) for x in version.split(".")[:2]) >= (1, 33), version  # a current release, not an old one
    for doc in docs:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{overlay}: {doc['kind']}/{doc['metadata']['name']}: {exc.message} at {list(exc.path)}")


def test_validation_has_teeth() -> None:
    docs = render("scaled")
    deployment = next(iter(of_kind(docs, "Deployment").values()))
    deployment["spec"]["replicas"] = "two"
    deployment["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, kubernetes_version(), strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_workloads_run_real_commands_safely(overlay: str) -> None:
    docs = render(overlay)
    assert not of_kind(docs, "Secret"), "no Secret (and no secret value) belongs in the repository"
    parser, servers = build_parser(), _server_names()
    workloads = {**of_kind(docs, "Deployment"), **of_kind(docs, "Job")}
    assert workloads
    for name, doc in workloads.items():
        spec = doc["spec"]["template"]["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True and spec["automountServiceAccountToken"] is False
        for container in containers(doc):
            args = container["args"]
            if args[:2] == ["serve", "web"] and "web" not in servers:
                continue  # `handoff serve web` is being added by the web front end; parsed once it exists
            parsed = parser.parse_args(args)  # exits (fails the test) on an unknown command or flag
            assert callable(parsed.run), name
            sc = container["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False, name
            assert sc["capabilities"]["drop"] == ["ALL"], name
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]) and "memory" in resources["limits"], name
            refs = {next(iter(r.values()))["name"] for r in container["envFrom"]}
            assert refs == {"handoff-config", "handoff-secrets"}, name
            for env in container.get("env", []):
                assert env["name"] in LIBRARY_ENV | setting_names(), f"{name}: {env['name']}"
            if doc["kind"] == "Deployment":
                assert args[args.index("--host") + 1] == "0.0.0.0", name
                assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
                assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
    for key in of_kind(docs, "ConfigMap")["handoff-config"]["data"]:
        assert key in setting_names(), f"ConfigMap key {key} is not a Handoff setting"


def _server_names() -> set[str]:
    import argparse

    sub = argparse.ArgumentParser().add_subparsers()
    serve.register(sub)
    group = sub.choices["serve"]._subparsers._group_actions[0]  # type: ignore[union-attr]
    return set(group.choices)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_front_end_has_a_service_and_a_disruption_budget(overlay: str) -> None:
    docs = render(overlay)
    deployments, services, budgets = of_kind(docs, "Deployment"), of_kind(docs, "Service"), \
        of_kind(docs, "PodDisruptionBudget")
    for name, deployment in deployments.items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert any(s["spec"]["selector"].items() <= labels.items() for s in services.values()), name
        covering = [b for b in budgets.values() if b["spec"]["selector"]["matchLabels"].items() <= labels.items()]
        assert len(covering) == 1, name
        port = containers(deployment)[0]["ports"][0]["containerPort"]
        assert deployment["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"] == str(port)
    backends = {p["backend"]["service"]["name"] for rule in of_kind(docs, "Ingress")["handoff"]["spec"]["rules"]
                for p in rule["http"]["paths"]}
    assert backends <= set(services), "the Ingress routes to a Service this overlay does not have"


def test_single_is_one_process_on_a_persistent_volume() -> None:
    docs = render("single")
    [(name, deployment)] = of_kind(docs, "Deployment").items()
    assert deployment["spec"]["replicas"] == 1 and deployment["spec"]["strategy"] == {"type": "Recreate"}
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    assert volumes["data"] == {"name": "data", "persistentVolumeClaim": {"claimName": "handoff-data"}}
    assert "handoff-data" in of_kind(docs, "PersistentVolumeClaim")
    assert not of_kind(docs, "Job"), "SQLite is upgraded in place at start: no migration Job"
    assert "HANDOFF_DATABASE_URL" not in of_kind(docs, "ConfigMap")["handoff-config"]["data"]


def test_scaled_runs_replicas_on_a_qdrant_server_after_one_migration() -> None:
    docs = render("scaled")
    for name, deployment in of_kind(docs, "Deployment").items():
        assert deployment["spec"]["replicas"] >= 2, name
        assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0, name
    [job] = of_kind(docs, "Job").values()
    assert containers(job)[0]["args"] == ["db", "upgrade"]
    assert of_kind(docs, "ConfigMap")["handoff-config"]["data"]["HANDOFF_QDRANT_URL"].startswith("http://qdrant")
    values = yaml.safe_load((K8S / "overlays" / "scaled" / "qdrant-values.yaml").read_text())
    assert values["replicaCount"] >= 3 and values["config"]["cluster"]["enabled"] is True
    assert "secretKeyRef" in values["apiKey"]["valueFrom"]  # the key comes from a Secret, not from git
