"""The chart in operation: a fast path beside the guard, stopping pods, a status page that is
not left open, OpenShift, NetworkPolicy ports, alerts and dashboard, helm test and Gateway API —
each rendered, and where it runs something, run here for real."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from functools import partial
from pathlib import Path

import helm_python as helm
import pytest

from publish_guard.registry import Registry, RegistryConfig, create_registry_app
from publish_guard.status.board import OUTCOMES
from tests.deploy.chart import CHART, FULLNAME, render, render_set, value_set
from tests.harness.http import http_request
from tests.harness.nginx import nginx_config
from tests.harness.process import guard_process
from tests.harness.servers import ServerThread


def test_a_network_policy_to_upstream_pods_needs_their_ports() -> None:
    """The URL's port is the Service's; a policy matches the pod's, and a wrong one blocks."""
    values = value_set("networkpolicy-values.yaml")
    values["networkPolicy"] = {**values["networkPolicy"], "upstreamPorts": []}
    with pytest.raises(helm.HelmError, match=re.escape("give networkPolicy.upstreamPorts")):
        render(values)
    openshift = render_set("openshift-values.yaml").one("NetworkPolicy")["spec"]["egress"]
    dns = openshift[-1]
    assert {(p["port"], p["protocol"]) for p in dns["ports"]} == {(5353, "UDP"), (5353, "TCP")}


def test_the_fast_path_pod_runs_the_config_its_init_step_writes(tmp_path: Path) -> None:
    """The init container's command, run here on the rendered guard.toml, writes a config that
    the nginx container's command accepts (``nginx -t``), listening where the Service points."""
    rendered = render_set("fastpath-values.yaml")
    pod = rendered.one("Deployment")["spec"]["template"]["spec"]
    (init,) = pod["initContainers"]
    nginx, guard = pod["containers"]
    assert [nginx["name"], guard["name"]] == ["fast-path", "publish-guard"]
    service = rendered.one("Service")["spec"]["ports"][0]
    assert service["targetPort"] == "fast"
    assert [p["containerPort"] for p in nginx["ports"] if p["name"] == "fast"] == [8081]
    for probe in ("livenessProbe", "readinessProbe"):
        assert nginx[probe]["httpGet"] == {"path": "/-/fast/healthz", "port": "fast"}
    policy = rendered.one("NetworkPolicy")["spec"]["ingress"][0]["ports"]
    assert {"port": "fast", "protocol": "TCP"} in policy

    config = tmp_path / "guard.toml"
    config.write_text(rendered.one("ConfigMap")["data"]["guard.toml"], encoding="utf-8")
    out = tmp_path / "fast"
    out.mkdir()
    args = [str(config) if a == "/etc/publish-guard/guard.toml" else a for a in init["args"]]
    args = [a.replace("/etc/publish-guard-fast", str(out)) for a in args]
    assert init["command"] == ["publish-guard", "nginx-config"]
    written = nginx_config(*args)
    assert written.returncode == 0, written.stderr
    conf = (out / "nginx.conf").read_text()
    assert "listen 0.0.0.0:8081" in conf
    assert "artifactory.artifactory.svc:8082" in conf

    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    command = [binary if c == "nginx" else c for c in nginx["command"]]
    command = [c.replace("/etc/publish-guard-fast", str(out)) for c in command]
    command = [str(tmp_path) + "/" if c == "/tmp/" else c for c in command]
    # the registry's name resolves only in the cluster: check it with a name that resolves here
    (out / "nginx.conf").write_text(conf.replace("artifactory.artifactory.svc", "127.0.0.1"))
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize(
    ("config", "grace", "body"),
    [
        ({}, 320, "257m"),
        ({"publish_timeout": "20m", "max_publish_size": "1gb"}, 1220, "1025m"),
        ({"publish_timeout": "90s", "max_publish_size": "512kb"}, 110, "2m"),
    ],
)
def test_a_stopping_pod_lets_its_longest_publish_finish(
    config: dict[str, str], grace: int, body: str
) -> None:
    """The grace period follows publish_timeout: preStop (5 s), the publish, a margin."""
    values = value_set("ingress-values.yaml")
    values["config"] = {**values.get("config", {}), **config}
    rendered = render(values)
    pod = rendered.one("Deployment")["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] == grace
    guard = rendered.container()
    assert guard["lifecycle"]["preStop"]["exec"]["command"] == ["sleep", "5"]
    assert guard["startupProbe"]["httpGet"] == {"path": "/-/guard/healthz", "port": "http"}
    annotations = rendered.one("Ingress")["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == body
    explicit = render(
        {**values, "terminationGracePeriodSeconds": 40, "shutdown": {"preStopSeconds": 0}}
    )
    longer = render({**values, "terminationGracePeriodSeconds": 2000})
    assert (
        longer.one("Deployment")["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        == 2000
    )
    assert (
        explicit.one("Deployment")["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        == grace - 5  # never below what a publish needs: no preStop, the publish, 15 s
    )
    assert "lifecycle" not in explicit.container()


def test_extra_environment_reaches_the_guard_and_the_fast_path_config_step() -> None:
    proxy = [{"name": "HTTPS_PROXY", "value": "http://proxy.corp:3128"}]
    values = {**value_set("fastpath-values.yaml"), "extraEnv": proxy}
    values["extraContainers"] = [{"name": "shipper", "image": "busybox:1.36"}]
    values["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0}}
    rendered = render(values)
    deployment = rendered.one("Deployment")
    pod = deployment["spec"]["template"]["spec"]
    assert proxy[0] in rendered.container()["env"]
    assert pod["initContainers"][0]["env"] == proxy  # nginx-config refuses a proxied registry
    assert [c["name"] for c in pod["containers"]] == ["fast-path", "publish-guard", "shipper"]
    assert deployment["spec"]["strategy"]["rollingUpdate"] == {"maxUnavailable": 0}


def test_with_the_ingress_on_and_no_token_given_the_status_page_is_not_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rendered pod, run here: its status page asks for the token of the Secret the chart
    made, and NOTES says how to read it."""
    rendered = render_set("ingress-values.yaml")
    secret = rendered.one("Secret", FULLNAME + "-status")
    token = base64.b64decode(secret["data"]["token"]).decode()
    assert len(token) >= 32
    env = {e["name"]: e for e in rendered.container()["env"]}
    ref = env["PUBLISH_GUARD_STATUS_TOKEN"]["valueFrom"]["secretKeyRef"]
    assert ref == {"name": FULLNAME + "-status", "key": "token"}
    assert f"get secret {FULLNAME}-status" in rendered.notes

    config = tmp_path / "guard.toml"
    toml = rendered.one("ConfigMap")["data"]["guard.toml"]
    config.write_text(re.sub(r'(?m)^upstream = ".*"$', 'upstream = "http://127.0.0.1:9/"', toml))
    monkeypatch.setenv("PUBLISH_GUARD_STATUS_TOKEN", token)
    with guard_process("http://127.0.0.1:9/", "--config", str(config)) as (url, _):
        assert http_request("GET", url + "-/guard/status.json").status == 401
        assert http_request("GET", url + "-/guard/metrics").status == 401
        shown = http_request(
            "GET", url + "-/guard/status.json", headers={"authorization": f"Bearer {token}"}
        )
        assert shown.status == 200
    assert "-status" not in str(render_set("default-values.yaml").kinds())
    assert not [m for m in render_set("default-values.yaml").manifests if m["kind"] == "Secret"]


def test_the_openshift_set_names_no_user_or_group_id() -> None:
    """OpenShift's restricted SCC refuses pods that pick their own ids outside its range."""
    rendered = render_set("openshift-values.yaml")
    for manifest in rendered.manifests:
        if manifest["kind"] != "Deployment":
            continue
        pod = manifest["spec"]["template"]["spec"]
        contexts = [pod.get("securityContext", {})]
        contexts += [c.get("securityContext", {}) for c in pod["containers"]]
        contexts += [c.get("securityContext", {}) for c in pod.get("initContainers", [])]
        for context in contexts:
            assert not {"runAsUser", "runAsGroup", "fsGroup"} & set(context), manifest["metadata"]
            assert context.get("privileged") is not True


def test_alerts_and_dashboard_read_what_a_running_guard_exports(tmp_path: Path) -> None:
    """Every metric, label and outcome the PrometheusRule and the dashboard name is one the
    guard's /-/guard/metrics really has (a renamed metric would silence an alert)."""
    rendered = render_set("all-values.yaml")
    rule = rendered.one("PrometheusRule")
    exprs = [alert["expr"] for alert in rule["spec"]["groups"][0]["rules"]]
    board = rendered.one("ConfigMap", FULLNAME + "-dashboard")["data"]["publish-guard.json"]
    panels = json.loads(board)["panels"]
    exprs += [target["expr"] for panel in panels for target in panel["targets"]]
    assert len(exprs) >= 10

    with guard_process("http://127.0.0.1:9/") as (url, _):
        http_request("GET", url + "some-package")  # the registry is down: an upstream error
        http_request("PUT", url + "some-package", json={})  # a refused publish
        exported = http_request("GET", url + "-/guard/metrics").text
    families = set(re.findall(r"(?m)^# TYPE (publish_guard_\w+) (\w+)", exported))
    names = set()
    for family, kind in families:
        names.add(family)  # a counter's family already ends in _total
        if kind == "histogram":
            names |= {family + "_bucket", family + "_sum", family + "_count"}
    labels = set(re.findall(r"(\w+)=\"", exported))
    for expr in exprs:
        for metric in re.findall(r"publish_guard_\w+", expr):
            assert metric in names, (metric, expr)
        for label in re.findall(r"(\w+)=~?\"", expr):
            assert label in labels | {"namespace", "job"}, (label, expr)
        for outcome in re.findall(r"outcome=~?\"([^\"]+)\"", expr):
            assert set(outcome.split("|")) <= set(OUTCOMES), expr


def test_helm_test_publishes_twice_and_expects_the_guards_collision_answer(
    tmp_path: Path,
) -> None:
    """The test pod's script, run here as the pod runs it, against a guard and the emulator."""
    values = {**value_set("default-values.yaml"), "tests": {
        "package": "@acme/helm-check", "publishToken": {"existingSecret": "npm-ci"}}}  # fmt: skip
    rendered = render(values)
    pod = rendered.one("Pod", FULLNAME + "-test")
    (container,) = pod["spec"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    assert env["NPM_TOKEN"]["valueFrom"]["secretKeyRef"] == {"name": "npm-ci", "key": "token"}
    assert env["GUARD_URL"]["value"] == f"http://{FULLNAME}:8080/"
    script = tmp_path / "helm-test.py"
    script.write_text(rendered.one("ConfigMap", FULLNAME + "-test")["data"]["helm-test.py"])
    assert container["command"] == ["python", "/helm-test/helm-test.py"]

    registry = Registry(RegistryConfig(flavor="verdaccio"))
    alice = registry.add_user("alice", "alice-helm-test")
    with (
        ServerThread(partial(create_registry_app, registry)) as upstream,
        guard_process(upstream.url) as (url, _),
    ):
        run = {**os.environ, "GUARD_URL": url, "TEST_PACKAGE": "@acme/helm-check"}
        done = subprocess.run(
            [sys.executable, str(script)],
            env={**run, "NPM_TOKEN": alice.token},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "You cannot publish over the previously published versions" in done.stdout
        assert alice.token not in done.stdout + done.stderr
        stored = registry.document("@acme/helm-check")
        assert stored is not None
        assert len(stored["versions"]) == 1

        without = subprocess.run(
            [sys.executable, str(script)], env=run, capture_output=True, text=True, timeout=60
        )
        assert without.returncode == 0
        assert "skipped" in without.stdout


def test_an_http_route_exposes_the_guard_with_its_timeout_and_a_token() -> None:
    rendered = render_set("httproute-values.yaml")
    route = rendered.one("HTTPRoute")
    assert route["spec"]["rules"][0]["timeouts"]["request"] == "330s"
    assert rendered.one("Secret", FULLNAME + "-status")  # reachable from outside: not open
    assert "npm config set registry https://npm.example.com/" in rendered.notes
    with pytest.raises(helm.HelmError, match=re.escape("httpRoute.parentRefs")):
        render({**value_set("httproute-values.yaml"), "httpRoute": {"enabled": True}})


def test_an_upgrade_with_reuse_values_from_0_1_0_renders(tmp_path: Path) -> None:
    """``helm upgrade --reuse-values`` renders the new chart with the old release's values only
    (none of the new defaults): every key added since 0.1.0 must be optional in the templates,
    and the schema must take the old values."""
    chart = tmp_path / "publish-guard"
    shutil.copytree(CHART, chart)
    (chart / "values.yaml").write_text(
        (Path(__file__).parent / "values-0.1.0.yaml").read_text(encoding="utf-8")
    )
    upstream = {"config": {"upstream": "https://artifactory.example.com/api/npm/npm-local/"}}
    rendered = render(upstream, chart)
    pod = rendered.one("Deployment")["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] >= 300  # derived, though 0.1.0 said 60
    assert [c["name"] for c in pod["containers"]] == ["publish-guard"]
    exposed = render(
        {**upstream, "ingress": {"enabled": True, "hosts": ["npm.example.com"]}}, chart
    )
    assert exposed.one("Secret", FULLNAME + "-status")


@pytest.mark.parametrize(
    ("config", "limit"),
    [({}, "1124Mi"), ({"max_publish_memory": "1gb", "workers": 2}, "4296Mi")],
)
def test_the_memory_limit_holds_what_the_guard_admits_at_once(
    config: dict[str, object], limit: str
) -> None:
    values = value_set("default-values.yaml")
    values["config"] = {**values["config"], **config}
    resources = render(values).container()["resources"]
    assert resources["limits"]["memory"] == limit
    assert resources["requests"] == {"cpu": "250m", "memory": "256Mi"}
    mine = {"limits": {"memory": "3Gi"}}
    assert render({**values, "resources": mine}).container()["resources"] == mine
