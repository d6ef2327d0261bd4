"""The Helm chart as the tests see it: rendered offline by the Helm SDK, parsed into manifests.

``helm_python`` (PyPI ``helm-python-sdk``) binds Helm's own Go SDK, so lint, template and the
values-schema check are Helm's, without a ``helm`` binary; ``kubernetes_validate`` holds the
Kubernetes OpenAPI schemas of every release it supports, so validation needs no cluster.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, cast

import helm_python as helm
import kubernetes_validate  # type: ignore[import-untyped]
import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "helm" / "publish-guard"
VALUE_SETS = sorted((CHART / "ci").glob("*.yaml"))
RELEASE, NAMESPACE = "guard", "npm"
FULLNAME = f"{RELEASE}-publish-guard"
# The oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and the newest the pinned
# kubernetes-validate knows.
KUBE_VERSIONS = ("1.25.0", "1.37.0")

Manifest = dict[str, Any]


@dataclass(frozen=True)
class Rendered:
    manifests: list[Manifest]
    notes: str

    def one(self, kind: str, name: str = FULLNAME) -> Manifest:
        """The one ``kind`` of that name (the guard's own, unless named otherwise)."""
        found = [m for m in self.manifests if m["kind"] == kind]
        if len(found) > 1:
            found = [m for m in found if m["metadata"]["name"] == name]
        assert len(found) == 1, f"expected one {kind} {name}, rendered {len(found)}"
        return found[0]

    def kinds(self) -> set[str]:
        return {m["kind"] for m in self.manifests}

    def container(self) -> Manifest:
        """The guard's container (the fast path's nginx may sit beside it)."""
        containers = self.one("Deployment")["spec"]["template"]["spec"]["containers"]
        (guard,) = [c for c in containers if c["name"] == "publish-guard"]
        return cast(Manifest, guard)

    def guard_toml(self) -> dict[str, Any]:
        return tomllib.loads(self.one("ConfigMap")["data"]["guard.toml"])


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def value_set(name: str) -> dict[str, Any]:
    """A values file of ``helm/publish-guard/ci/``, read as Helm reads ``-f``."""
    return helm.values_from_yaml((CHART / "ci" / name).read_text(encoding="utf-8"))


def render(values: dict[str, Any], chart_dir: Path = CHART) -> Rendered:
    """``helm template guard helm/publish-guard --namespace npm`` with these values."""
    with helm.Chart.load(chart_dir) as chart:
        files = chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
    manifests: list[Manifest] = []
    notes = ""
    for name, text in sorted(files.items()):
        if name.endswith("NOTES.txt"):
            notes = text
            continue
        manifests.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return Rendered(manifests, notes)


@cache
def render_set(name: str) -> Rendered:
    return render(value_set(name))


def lint(values: dict[str, Any]) -> list[str]:
    """``helm lint --strict``: every finding of warning level or above, as text."""
    report = helm.lint(CHART, values, strict=True, namespace=NAMESPACE)
    findings = [f"{m['path']}: {m['error']}" for m in report["messages"] if m["severity"] >= 2]
    return findings + [str(error) for error in report["errors"]]


SchemaNotFound: type[Exception] = kubernetes_validate.SchemaNotFoundError


def validation_error(manifest: Manifest, kube_version: str) -> str | None:
    """Strict schema validation (unknown fields fail) against one Kubernetes release; raises
    ``SchemaNotFound`` for kinds Kubernetes does not define (CRDs such as ServiceMonitor)."""
    try:
        kubernetes_validate.validate(manifest, kube_version, strict=True)
    except kubernetes_validate.ValidationError as error:
        path = ".".join(str(part) for part in error.path)
        return f"{manifest['kind']} {path}: {error.message}"
    return None


def _check_service_monitor(monitor: Manifest) -> None:
    """No schema ships for the Prometheus Operator's CRD: the fields the chart uses, by hand."""
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    spec = monitor["spec"]
    assert set(spec) == {"selector", "namespaceSelector", "endpoints"}
    (endpoint,) = spec["endpoints"]
    assert set(endpoint) <= {"port", "path", "interval", "scrapeTimeout", "authorization"}
    assert endpoint["port"] == "http"
    assert endpoint["path"] == "/-/guard/metrics"
    for duration in (endpoint["interval"], endpoint["scrapeTimeout"]):
        assert re.fullmatch(r"(\d+(ms|s|m|h))+", duration)
    if "authorization" in endpoint:
        assert endpoint["authorization"]["type"] == "Bearer"
        assert set(endpoint["authorization"]["credentials"]) == {"name", "key"}


def _check_http_route(route: Manifest) -> None:
    """Gateway API ships its schemas as CRDs, not in Kubernetes': the fields used, by hand."""
    assert route["apiVersion"] == "gateway.networking.k8s.io/v1"
    spec = route["spec"]
    assert set(spec) <= {"parentRefs", "hostnames", "rules"}
    assert all(
        set(ref) <= {"name", "namespace", "sectionName", "port"} for ref in spec["parentRefs"]
    )
    (rule,) = spec["rules"]
    assert rule["matches"] == [{"path": {"type": "PathPrefix", "value": "/"}}]
    (backend,) = rule["backendRefs"]
    assert backend == {"name": FULLNAME, "port": 8080}
    assert re.fullmatch(r"\d+s", rule["timeouts"]["request"])


def _check_prometheus_rule(rule: Manifest) -> None:
    """No schema ships for the Prometheus Operator's CRD: its shape, by hand."""
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    (group,) = rule["spec"]["groups"]
    for alert in group["rules"]:
        assert set(alert) <= {"alert", "expr", "for", "labels", "annotations"}
        assert re.fullmatch(r"PublishGuard[A-Za-z]+", alert["alert"])
        assert alert["labels"]["severity"] in ("critical", "warning", "info")
        assert re.fullmatch(r"\d+(ms|s|m|h)", alert["for"])
        assert alert["expr"].count("(") == alert["expr"].count(")")


def check_custom_resource(manifest: Manifest) -> None:
    """Kinds whose schemas Kubernetes does not ship (CRDs): the fields the chart uses, by hand."""
    {
        "ServiceMonitor": _check_service_monitor,
        "PrometheusRule": _check_prometheus_rule,
        "HTTPRoute": _check_http_route,
    }[manifest["kind"]](manifest)
