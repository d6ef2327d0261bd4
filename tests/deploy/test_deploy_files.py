"""deploy/: the sidecar values for JFrog's and Sonatype's charts, their Services, the compose
trial, the systemd unit and the Dockerfile agree with the guard's settings and with Kubernetes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from publish_guard.config import ENV_PREFIX, OPTIONS, load_settings, parse_size
from tests.deploy.chart import CHART, KUBE_VERSIONS, REPO, Manifest, load_yaml, validation_error

DEPLOY = REPO / "deploy"
KNOWN_ENV = {option.env for option in OPTIONS} | {ENV_PREFIX + "CONFIG"}


def _artifactory_sidecar() -> tuple[list[Manifest], list[Manifest]]:
    """What JFrog's chart appends to the Artifactory pod: both values are YAML text."""
    values = load_yaml(DEPLOY / "artifactory-sidecar-values.yaml")["artifactory"]
    assert "{{" not in values["customSidecarContainers"]  # nothing for its tpl to resolve
    return yaml.safe_load(values["customSidecarContainers"]), yaml.safe_load(
        values["customVolumes"]
    )


def _nexus_sidecar() -> tuple[list[Manifest], list[Manifest]]:
    """What Sonatype's nxrm-ha chart appends to each Nexus pod (its templates/statefulset.yaml:
    ``toYaml .Values.statefulset.additionalContainers`` and ``…additionalVolumes``): lists."""
    values = load_yaml(DEPLOY / "nexus-sidecar-values.yaml")["statefulset"]
    return values["additionalContainers"], values["additionalVolumes"]


SIDECARS = {"artifactory": _artifactory_sidecar, "nexus": _nexus_sidecar}
# The labels each registry chart puts on its pods (jfrog/charts stable/artifactory and
# stable/artifactory-ha StatefulSet templates; sonatype nxrm-ha _helpers.tpl selectorLabels),
# which the Services of deploy/ must select.
POD_LABELS = {
    "artifactory-sidecar-service.yaml": {
        "app": "artifactory",
        "component": "artifactory",
        "release": "artifactory",
    },
    "artifactory-ha-sidecar-service.yaml": {
        "app": "artifactory-ha",
        "role": "artifactory-ha-artifactory-ha-primary",
        "component": "artifactory",
        "release": "artifactory-ha",
    },
    "nexus-sidecar-service.yaml": {
        "app.kubernetes.io/name": "nxrm-ha",
        "app.kubernetes.io/instance": "nexus",
    },
}


@pytest.mark.parametrize("service", sorted(POD_LABELS))
def test_each_sidecar_service_selects_the_registry_charts_pods(service: str) -> None:
    selector = load_yaml(DEPLOY / service)["spec"]["selector"]
    labels = POD_LABELS[service]
    assert selector.items() <= labels.items(), (selector, labels)


def test_each_recipe_says_what_an_upgrade_of_the_guard_restarts() -> None:
    for recipe in ("artifactory-sidecar-values.yaml", "nexus-sidecar-values.yaml"):
        assert "What an upgrade of the guard restarts" in (DEPLOY / recipe).read_text()


def _pod(containers: list[Manifest], volumes: list[Manifest]) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "registry-0"},
        "spec": {"containers": containers, "volumes": volumes},
    }


def _environ(container: Manifest) -> dict[str, str]:
    return {item["name"]: item["value"] for item in container["env"] if "value" in item}


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
@pytest.mark.parametrize("registry", sorted(SIDECARS))
def test_the_sidecar_is_a_valid_container_of_the_registry_pod(
    registry: str, kube_version: str
) -> None:
    containers, volumes = SIDECARS[registry]()
    assert validation_error(_pod(containers, volumes), kube_version) is None
    service = load_yaml(DEPLOY / f"{registry}-sidecar-service.yaml")
    assert validation_error(service, kube_version) is None
    (guard,) = containers
    assert service["spec"]["ports"][0]["targetPort"] == guard["ports"][0]["name"]


@pytest.mark.parametrize(
    ("registry", "upstream"),
    [
        ("artifactory", "http://localhost:8081/artifactory/api/npm/npm-local/"),
        ("nexus", "http://localhost:8081/repository/npm-hosted/"),
    ],
)
def test_the_sidecar_runs_the_guard_as_the_chart_does(registry: str, upstream: str) -> None:
    (guard,), volumes = SIDECARS[registry]()
    settings = load_settings([], _environ(guard))
    assert str(settings.upstream) == upstream
    assert settings.flavor == registry
    assert settings.listen.port == guard["ports"][0]["containerPort"]
    assert guard["command"] == ["publish-guard", "serve"]
    assert guard["securityContext"]["readOnlyRootFilesystem"] is True
    assert guard["securityContext"]["runAsUser"] == _chart_uid()
    assert {"name": "publish-guard-tmp", "mountPath": "/tmp"} in guard["volumeMounts"]
    assert {"name": "publish-guard-tmp", "emptyDir": {}} in volumes
    # readyz follows the upstream; in the registry's own pod it must not gate the registry
    assert guard["readinessProbe"]["httpGet"]["path"] == "/-/guard/healthz"


def _chart_uid() -> int:
    return int(load_yaml(CHART / "values.yaml")["podSecurityContext"]["runAsUser"])


def test_every_publish_guard_variable_in_deploy_and_helm_is_a_setting() -> None:
    files = [p for p in (*DEPLOY.iterdir(), *CHART.rglob("*")) if p.is_file()]
    named = set()
    for path in files:
        named |= set(re.findall(r"PUBLISH_GUARD_[A-Z_]*[A-Z]", path.read_text(encoding="utf-8")))
    assert named, "no settings found at all"
    assert named <= KNOWN_ENV


def test_the_compose_trial_puts_the_guard_in_front_of_verdaccio() -> None:
    compose = load_yaml(DEPLOY / "docker-compose.yml")
    verdaccio, guard = compose["services"]["verdaccio"], compose["services"]["guard"]
    assert verdaccio["image"] == "verdaccio/verdaccio:6.8"
    settings = load_settings([], {str(k): str(v) for k, v in guard["environment"].items()})
    assert str(settings.upstream) == "http://verdaccio:4873/"
    assert guard["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    assert guard["read_only"] is True
    assert guard["tmpfs"] == ["/tmp"]
    config_mount = verdaccio["volumes"][0].split(":")
    assert (DEPLOY / config_mount[0]).resolve() == DEPLOY / "verdaccio.yaml"
    verdaccio_config = load_yaml(DEPLOY / "verdaccio.yaml")
    assert verdaccio_config["listen"].endswith(":4873")
    # Verdaccio must take every body the guard lets through, or its 413 would come first
    assert parse_size(verdaccio_config["max_body_size"]) >= settings.max_publish_size


def test_the_compose_replicas_share_one_redis() -> None:
    compose = load_yaml(DEPLOY / "docker-compose.replicas.yml")
    services = compose["services"]
    guards = [services["guard-a"], services["guard-b"]]
    shared = set()
    for guard in guards:
        settings = load_settings([], {str(k): str(v) for k, v in guard["environment"].items()})
        assert str(settings.upstream) == "http://verdaccio:4873/"
        assert settings.shared_state is not None
        assert settings.shared_state.host == "redis"
        shared.add(str(settings.shared_state))
        assert guard["read_only"] is True
    assert len(shared) == 1
    assert services["redis"]["image"].startswith("redis:")
    assert "--save" in services["redis"]["command"]


def test_the_systemd_unit_runs_the_example_file() -> None:
    unit = (DEPLOY / "publish-guard.service").read_text(encoding="utf-8")
    exec_start = re.search(r"(?m)^ExecStart=(.*)$", unit)
    assert exec_start is not None
    assert exec_start[1].endswith("publish-guard serve --config /etc/publish-guard/guard.toml")
    environment = dict(re.findall(r"(?m)^Environment=(\w+)=(.*)$", unit))
    settings = load_settings(["--config", str(DEPLOY / "guard.toml")], environment)
    assert settings.listen.port == 8080


def _dockerfile() -> str:
    return (DEPLOY / "Dockerfile").read_text(encoding="utf-8")


def test_the_image_runs_as_the_chart_expects() -> None:
    dockerfile = _dockerfile()
    final_stage = dockerfile.rsplit("\nFROM ", 1)[1]
    assert 'ENTRYPOINT ["publish-guard", "serve"]' in final_stage
    assert "PUBLISH_GUARD_LISTEN=0.0.0.0:8080" in final_stage
    assert f"USER {_chart_uid()}:{_chart_uid()}" in final_stage
    assert "EXPOSE 8080" in final_stage
    assert "/-/guard/healthz" in final_stage.split("HEALTHCHECK", 1)[1]
    assert "COPY src" not in final_stage  # the source tree stays in the build stage
    chart_container = load_yaml(CHART / "values.yaml")["securityContext"]
    assert chart_container["readOnlyRootFilesystem"] is True


def test_the_compose_fast_path_runs_the_config_its_one_shot_writes(tmp_path: Path) -> None:
    compose = load_yaml(DEPLOY / "docker-compose.fastpath.yml")
    services = compose["services"]
    writer, nginx, guard = services["fast-path-config"], services["fast-path"], services["guard"]
    assert writer["environment"] == guard["environment"]  # the same settings, no drift
    assert nginx["depends_on"]["fast-path-config"]["condition"] == "service_completed_successfully"
    assert nginx["ports"] == ["127.0.0.1:8080:8081"]

    volume = tmp_path / "fast-path"
    volume.mkdir()
    command = [c.replace("/fast-path", str(volume)) for c in writer["command"]]
    assert command[:2] == ["publish-guard", "nginx-config"]
    environ = {str(k): str(v) for k, v in writer["environment"].items()}
    written = subprocess.run(
        [sys.executable, "-m", "publish_guard", *command[1:]],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **environ},
    )
    assert written.returncode == 0, written.stderr
    conf = (volume / "nginx.conf").read_text()
    assert "listen 0.0.0.0:8081" in conf
    # compose's names resolve only in its network: check the config with names that do here
    local = conf.replace("verdaccio:4873", "127.0.0.1:4873").replace("guard:8080", "127.0.0.1:8080")
    (volume / "nginx.conf").write_text(local)
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    run = [binary if c == "nginx" else c for c in nginx["command"]]
    run = [c.replace("/fast-path", str(volume)) for c in run]
    run = [str(tmp_path) + "/" if c == "/tmp/" else c for c in run]
    checked = subprocess.run([*run, "-t"], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
