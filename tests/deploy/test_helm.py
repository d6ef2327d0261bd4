"""The Helm chart: lint, render every documented value set, validate every manifest against
Kubernetes' schemas, and check that the chart, the settings loader and the README agree."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import helm_python as helm
import pytest
import trustme

from publish_guard.config import OPTIONS, Option, load_settings
from tests.deploy.chart import (
    CHART,
    FULLNAME,
    KUBE_VERSIONS,
    REPO,
    VALUE_SETS,
    Manifest,
    SchemaNotFound,
    check_custom_resource,
    load_yaml,
    render,
    render_set,
    validation_error,
    value_set,
)
from tests.deploy.values_doc import VALUES, documented_keys, readme_table, values_table

SET_NAMES = [path.name for path in VALUE_SETS]
OPTION = {option.name: option for option in OPTIONS}
# Settings the chart does not take from config.*: where each comes from instead.
NOT_IN_CONFIG = {
    "listen": "fixed: PUBLISH_GUARD_LISTEN=0.0.0.0:8080, the container port",
    "status_token": "statusToken.existingSecret",
    "ca_bundle": "caBundle.existingSecret / caBundle.existingConfigMap",
    "shared_state": "sharedState.url / sharedState.existingSecret / the chart's Redis",
}
# Chart defaults that differ from the guard's, on purpose.
CHART_DEFAULTS = {
    "listen": "0.0.0.0:8080",
    "log_format": "json",
    "lock_dir": "/tmp/publish-guard-locks",
    "shared_state": "redis://guard-publish-guard-redis:6379/0",  # two replicas: the chart's Redis
    "idle_timeout": "75s",  # above ingress-nginx's 60 s upstream keep-alive
}


def _env_names(container: Manifest) -> list[str]:
    return [item["name"] for item in container.get("env", [])]


def _as_text(value: Any) -> str:
    """A value from values.yaml as the loader reads it from TOML."""
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value).lower() if isinstance(value, bool) else str(value)


def _load_rendered_settings(rendered: Any, tmp_path: Path) -> Any:
    """The settings a pod of this render would run with (file paths made local)."""
    toml = rendered.one("ConfigMap")["data"]["guard.toml"]
    if "ca_bundle" in rendered.guard_toml():
        ca = tmp_path / "ca.pem"
        trustme.CA().cert_pem.write_to_path(str(ca))
        toml = re.sub(r'(?m)^ca_bundle = ".*"$', f'ca_bundle = "{ca}"', toml)
    config = tmp_path / "guard.toml"
    config.write_text(toml, encoding="utf-8")
    environ = {}
    for item in rendered.container()["env"]:
        environ[item["name"]] = item.get("value", "a-status-token-from-the-secret")
    args = rendered.container()["args"]
    assert args[:2] == ["--config", "/etc/publish-guard/guard.toml"]
    return load_settings(["--config", str(config), *args[2:]], environ)


@pytest.mark.parametrize("name", SET_NAMES)
def test_lint_strict_passes(name: str) -> None:
    report = helm.lint(CHART, value_set(name), strict=True)
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []  # warnings fail too


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
@pytest.mark.parametrize("name", SET_NAMES)
def test_every_rendered_manifest_is_valid_kubernetes(name: str, kube_version: str) -> None:
    rendered = render_set(name)
    errors, without_schema = [], []
    for manifest in rendered.manifests:
        try:
            errors.append(validation_error(manifest, kube_version))
        except SchemaNotFound:
            without_schema.append(manifest)
    assert [error for error in errors if error] == []
    assert {m["kind"] for m in without_schema} <= {"ServiceMonitor", "PrometheusRule", "HTTPRoute"}
    for manifest in without_schema:
        check_custom_resource(manifest)


def test_the_validator_refuses_an_unknown_field() -> None:
    deployment = render_set("default-values.yaml").one("Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    assert validation_error(deployment, KUBE_VERSIONS[-1]) is not None


def test_defaults_render_the_core_objects_hardened() -> None:
    rendered = render_set("default-values.yaml")
    assert rendered.kinds() == {
        "ConfigMap",
        "Deployment",
        "PodDisruptionBudget",
        "Service",
        "ServiceAccount",
        "Pod",  # helm test's
    }
    pod = rendered.one("Deployment")["spec"]["template"]["spec"]
    container = rendered.container()
    assert rendered.one("Deployment")["spec"]["replicas"] == 2
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert container["livenessProbe"]["httpGet"] == {"path": "/-/guard/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/-/guard/readyz", "port": "http"}
    assert container["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    assert volumes[mounts["/tmp"]] == {"name": "tmp", "emptyDir": {}}
    assert rendered.guard_toml()["lock_dir"].startswith("/tmp/")
    assert container["image"] == "ghcr.io/publish-guard/publish-guard:0.1.0"
    assert rendered.one("Service")["spec"]["ports"][0]["port"] == 8080


def test_each_value_set_renders_what_it_enables() -> None:
    ingress = render_set("ingress-values.yaml").one("Ingress")
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/upstream-hash-by"] == "$request_uri"
    # the guard's limit and 1 MiB: its own 413 answers, the controller never spools more
    assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == "257m"
    assert annotations["nginx.ingress.kubernetes.io/proxy-request-buffering"] == "off"
    assert annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"] == "330"
    assert annotations["cert-manager.io/cluster-issuer"] == "letsencrypt"
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": FULLNAME, "port": {"name": "http"}}

    hpa = render_set("hpa-values.yaml")
    assert "replicas" not in hpa.one("Deployment")["spec"]
    metrics = hpa.one("HorizontalPodAutoscaler")["spec"]["metrics"]
    assert [m["resource"]["name"] for m in metrics] == ["cpu", "memory"]
    assert hpa.guard_toml()["workers"] == 4

    policy = render_set("networkpolicy-values.yaml").one("NetworkPolicy")["spec"]
    upstream, redis, dns = policy["egress"]
    assert upstream["ports"] == [{"port": 8082, "protocol": "TCP"}]  # the pods' port
    assert upstream["to"][0]["podSelector"] == {"matchLabels": {"app": "artifactory"}}
    assert redis["ports"] == [{"port": 6379, "protocol": "TCP"}]  # the chart's Redis
    assert {p["port"] for p in dns["ports"]} == {53}
    assert policy["policyTypes"] == ["Ingress", "Egress"]

    secrets = render_set("secrets-values.yaml")
    (token,) = [e for e in secrets.container()["env"] if e["name"] == "PUBLISH_GUARD_STATUS_TOKEN"]
    assert token["valueFrom"]["secretKeyRef"] == {"name": "publish-guard-status", "key": "token"}
    assert secrets.guard_toml()["ca_bundle"] == "/etc/publish-guard/ca/ca.crt"
    volumes = secrets.one("Deployment")["spec"]["template"]["spec"]["volumes"]
    assert {"name": "ca-bundle", "secret": {"secretName": "internal-ca", "items": [
        {"key": "ca.crt", "path": "ca.crt"}]}} in volumes  # fmt: skip
    endpoint = secrets.one("ServiceMonitor")["spec"]["endpoints"][0]
    assert endpoint["authorization"]["credentials"] == {
        "name": "publish-guard-status",
        "key": "token",
    }

    from_configmap = render_set("ca-configmap-values.yaml")
    assert from_configmap.guard_toml()["ca_bundle"] == "/etc/publish-guard/ca/trust-bundle.pem"
    assert "authorization" not in from_configmap.one("ServiceMonitor")["spec"]["endpoints"][0]


def test_the_chart_names_every_setting_once() -> None:
    """A new option in the loader without a place in the chart fails here."""
    values = load_yaml(VALUES)
    schema = load_yaml(CHART / "values.schema.json")
    config_keys = set(values["config"])
    assert config_keys.isdisjoint(NOT_IN_CONFIG)
    assert config_keys | set(NOT_IN_CONFIG) == set(OPTION), (
        "every option of publish_guard.config.OPTIONS needs a config.<name> value "
        "(or an entry in NOT_IN_CONFIG saying where the chart sets it)"
    )
    assert set(schema["properties"]["config"]["properties"]) == config_keys


def test_a_full_render_sets_each_environment_variable_of_the_loader_exactly_once(
    tmp_path: Path,
) -> None:
    rendered = render_set("all-values.yaml")
    from_file = [OPTION[key].env for key in rendered.guard_toml()]
    extra = {item["name"] for item in value_set("all-values.yaml")["extraEnv"]}
    from_env = [name for name in _env_names(rendered.container()) if name not in extra]
    assert sorted(from_file + from_env) == sorted(option.env for option in OPTIONS)

    settings = _load_rendered_settings(rendered, tmp_path)
    for key, value in value_set("all-values.yaml")["config"].items():
        assert getattr(settings, key) == OPTION[key].parse(_as_text(value)), key
    assert settings.status_token == "a-status-token-from-the-secret"
    assert str(settings.listen) == "0.0.0.0:8080"


def test_the_chart_defaults_are_the_guards_defaults(tmp_path: Path) -> None:
    from_chart = _load_rendered_settings(render_set("default-values.yaml"), tmp_path)
    plain = load_settings(["--upstream", str(from_chart.upstream)], {})
    for option in OPTIONS:
        expected = CHART_DEFAULTS.get(option.name)
        if expected is not None:
            assert getattr(from_chart, option.name) == option.parse(expected), option.name
        else:
            assert getattr(from_chart, option.name) == getattr(plain, option.name), option.name


def _loader_choices(option: Option) -> set[str] | None:
    """The allowed words of a choice option (the closure of ``config.parsers.choice``)."""
    for cell in option.parse.__closure__ or ():
        contents = cell.cell_contents
        if isinstance(contents, tuple) and all(isinstance(item, str) for item in contents):
            return set(contents)
    return None


def test_the_schema_allows_what_the_loader_allows() -> None:
    properties = load_yaml(CHART / "values.schema.json")["properties"]["config"]["properties"]
    for name, rule in properties.items():
        choices = _loader_choices(OPTION[name])
        if "enum" in rule or choices is not None:
            assert set(rule.get("enum", [])) == choices, name
    defaults = load_yaml(VALUES)["config"]
    for name, value in defaults.items():
        if value not in ("", []):
            OPTION[name].parse(_as_text(value))  # raises on a default the guard refuses


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "config.upstream is required"),
        ({"upstrem": "https://a.example/"}, "additional properties 'upstrem' not allowed"),
        ({"dev_mode": "sometimes"}, "/config/dev_mode"),
        ({"workers": 0}, "/config/workers"),
        ({"upstream": "ftp://a.example/"}, "/config/upstream"),
        ({"read_timeout": "a minute"}, "/config/read_timeout"),
        ({"dev_scopes": ["acme"]}, "/config/dev_scopes/0"),
    ],
)
def test_bad_values_stop_the_install_with_one_clear_line(
    config: dict[str, Any], message: str
) -> None:
    values = {"config": {"upstream": "https://a.example/", **config}}
    if not config:
        values = {}
    with pytest.raises(helm.HelmError, match=re.escape(message)):
        render(values)


def test_ingress_without_hosts_is_refused() -> None:
    values = {"config": {"upstream": "https://a.example/"}, "ingress": {"enabled": True}}
    with pytest.raises(helm.HelmError, match=r"ingress\.hosts needs at least one host"):
        render(values)


def test_notes_print_the_npm_line_for_the_release() -> None:
    service_url = f"http://{FULLNAME}.npm.svc:8080/"
    notes = render_set("default-values.yaml").notes
    assert f"npm config set registry {service_url}\n" in notes
    assert f"npm config set //{FULLNAME}.npm.svc:8080/:_authToken" in notes
    assert "config.public_url to the registry URL above" in notes
    ingress_notes = render_set("ingress-values.yaml").notes
    assert "npm config set registry https://npm.example.com/\n" in ingress_notes
    assert "public_url" not in ingress_notes


def _readme_helm_section() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return readme.split("## Deploy with Helm\n", 1)[1].split("\n## ", 1)[0]


def test_the_rendered_container_runs_what_the_readme_says() -> None:
    section = _readme_helm_section()
    block = section.split("<!-- helm-pod:start -->\n```sh\n", 1)[1].split("```", 1)[0]
    lines = [line.split("  #", 1)[0].strip() for line in block.splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    documented_env = dict(line.split("=", 1) for line in lines if line.startswith("PUBLISH_GUARD_"))
    (command,) = [line for line in lines if line.startswith("publish-guard ")]

    rendered_env: dict[str, str] = {}
    for name in SET_NAMES:
        container = render_set(name).container()
        assert " ".join(container["command"] + container["args"]) == command
        users = {item["name"] for item in value_set(name).get("extraEnv", [])}
        for item in container["env"]:
            if item["name"] not in users:
                rendered_env[item["name"]] = item.get("value", "<secret>")
    assert rendered_env == documented_env


def test_the_readme_helm_commands_set_values_the_chart_has() -> None:
    values = load_yaml(VALUES)
    keys = re.findall(r"--set ([A-Za-z0-9_.\[\]]+)=", _readme_helm_section())
    assert keys
    for key in keys:
        node: Any = values
        for part in re.sub(r"\[\d+\]", "", key).split("."):
            if isinstance(node, dict):
                assert part in node, f"README sets {key}, which values.yaml does not have"
                node = node[part]
            else:  # inside a list item (ingress.tls[0].secretName): free-form objects
                break


def test_the_readme_values_table_is_current() -> None:
    assert readme_table() == values_table(), "regenerate it: python -m tests.deploy.values_doc"


def test_every_value_is_documented() -> None:
    text = VALUES.read_text(encoding="utf-8")
    docs = documented_keys(text)

    def covered(path: str, node: Any) -> bool:
        if path in docs:
            return True
        return (
            isinstance(node, dict)
            and bool(node)
            and all(covered(f"{path}.{key}", child) for key, child in node.items())
        )

    missing = [key for key, node in load_yaml(VALUES).items() if not covered(key, node)]
    assert missing == []
    assert all(f"config.{key}" in docs for key in load_yaml(VALUES)["config"])


def test_the_chart_deploys_this_version() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    version = pyproject["project"]["version"]
    assert load_yaml(CHART / "Chart.yaml")["appVersion"] == version
    for path in (
        "artifactory-sidecar-values.yaml",
        "nexus-sidecar-values.yaml",
        "docker-compose.yml",
        "docker-compose.replicas.yml",
    ):
        text = (REPO / "deploy" / path).read_text(encoding="utf-8")
        assert set(re.findall(r"publish-guard/publish-guard:(\S+)", text)) == {version}, path


def test_replicas_share_state_through_the_charts_redis_or_the_users() -> None:
    """Several replicas get a shared state: the chart's own Redis by default (a pod the guard's
    selector never takes), the user's by URL or Secret; without one the install stops."""
    rendered = render(value_set("default-values.yaml"))
    env = {e["name"]: e for e in rendered.container()["env"]}
    redis_name = f"{FULLNAME}-redis"
    assert env["PUBLISH_GUARD_SHARED_STATE"]["value"] == f"redis://{redis_name}:6379/0"
    redis = rendered.one("Deployment", redis_name)
    guard_selector = rendered.one("Deployment")["spec"]["selector"]["matchLabels"]
    redis_labels = redis["spec"]["template"]["metadata"]["labels"]
    assert not guard_selector.items() <= redis_labels.items()
    assert rendered.one("Service", redis_name)["spec"]["selector"] == redis_labels
    pod = redis["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["containers"][0]["securityContext"]["readOnlyRootFilesystem"] is True
    assert "--save" in pod["containers"][0]["args"]

    values = value_set("default-values.yaml")
    own = render(
        {**values, "redis": {"enabled": False}, "sharedState": {"url": "redis://r:6379/1"}}
    )
    env = {e["name"]: e for e in own.container()["env"]}
    assert env["PUBLISH_GUARD_SHARED_STATE"]["value"] == "redis://r:6379/1"
    assert [m for m in own.manifests if m["metadata"]["name"] == redis_name] == []
    secret = render({**values, "sharedState": {"existingSecret": "redis-url", "key": "u"}})
    env = {e["name"]: e for e in secret.container()["env"]}
    ref = env["PUBLISH_GUARD_SHARED_STATE"]["valueFrom"]["secretKeyRef"]
    assert ref == {"name": "redis-url", "key": "u"}

    alone = {**values, "redis": {"enabled": False}}
    with pytest.raises(Exception, match="several replicas need a shared state"):
        render(alone)
    with pytest.raises(Exception, match="several replicas need a shared state"):
        render({**alone, "replicaCount": 1, "autoscaling": {"enabled": True}})
    one = render({**alone, "replicaCount": 1})
    assert "PUBLISH_GUARD_SHARED_STATE" not in {e["name"] for e in one.container()["env"]}
    accepted = render({**alone, "sharedState": {"acceptUnsharedLocks": True}})
    assert accepted.one("Deployment")["spec"]["replicas"] == 2
