"""deploy/ checked offline (issue 24): every manifest against the Kubernetes OpenAPI schemas
(kubernetes-validate, strict: unknown fields fail) for the oldest and newest Kubernetes the
manifests support, the ServiceMonitor (a CRD, absent from those schemas) against
servicemonitor.schema.json, each kustomization against its folder, the cross-references between
objects, and the kustomize render (by `render`, and compared with `kubectl kustomize` where kubectl
is installed: nothing is skipped without it).

Run by crates/parlance/tests/deploy.rs with the virtualenv ./scripts/test creates."""

import copy
import json
import pathlib
import shutil
import subprocess

import jsonschema
import kubernetes_validate
import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
FOLDERS = sorted(p.parent for p in DEPLOY.glob("*/kustomization.yaml"))
MANIFESTS = sorted(p for d in FOLDERS for p in d.glob("*.yaml") if p.name != "kustomization.yaml")
# Native sidecars (1.29) and the kubelet's preStop sleep (1.30) set the floor.
VERSIONS = ["1.30.0", "1.37.0"]
MONITOR_SCHEMA = json.loads((pathlib.Path(__file__).parent / "servicemonitor.schema.json").read_text())
HEALTH_PATHS = {"/v1.0/healthz", "/v1.0/healthz/outbound"}


def docs(path):
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def validate(doc, version):
    """Raises unless `doc` is valid: a core kind by its schema, a ServiceMonitor by ours."""
    if doc.get("kind") == "ServiceMonitor":
        jsonschema.validate(doc, MONITOR_SCHEMA)
    else:
        kubernetes_validate.validate(doc, version, strict=True)


def objects():
    return [d for p in MANIFESTS for d in docs(p)]


def of_kind(kind):
    return [d for d in objects() if d["kind"] == kind]


def test_there_is_something_to_check():
    assert [d.name for d in FOLDERS] == ["gateway", "sidecar"]
    kinds = {d["kind"] for d in objects()}
    assert {"Deployment", "Service", "ConfigMap", "Secret", "PodDisruptionBudget",
            "HorizontalPodAutoscaler", "ServiceMonitor"} <= kinds


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: str(p.relative_to(DEPLOY)))
def test_manifest_is_valid(path, version):
    for doc in docs(path):
        validate(doc, version)


def test_invalid_manifests_are_rejected():
    """The validator is not a no-op: a wrong type, an unknown field and a CRD without endpoints fail."""
    deployment = of_kind("Deployment")[0]
    bad_type = copy.deepcopy(deployment)
    bad_type["spec"]["replicas"] = "two"
    unknown = copy.deepcopy(deployment)
    unknown["spec"]["template"]["spec"]["containers"][0]["readinessprobe"] = {}
    monitor = copy.deepcopy(of_kind("ServiceMonitor")[0])
    del monitor["spec"]["endpoints"]
    for doc in (bad_type, unknown, monitor):
        with pytest.raises((kubernetes_validate.ValidationError, jsonschema.ValidationError)):
            validate(doc, VERSIONS[-1])


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_kustomization_lists_its_folder(folder):
    listed = yaml.safe_load((folder / "kustomization.yaml").read_text())["resources"]
    assert sorted(listed) == sorted(p.name for p in folder.glob("*.yaml") if p.name != "kustomization.yaml")


def pod_specs():
    return [(d, d["spec"]["template"]["spec"]) for d in of_kind("Deployment")]


def parlance_containers():
    for _, spec in pod_specs():
        for c in spec.get("containers", []) + spec.get("initContainers", []):
            if c["image"].startswith("parlance:"):
                yield spec, c


def test_parlance_probes_hit_health_endpoints_on_declared_ports():
    found = list(parlance_containers())
    assert len(found) == 2
    for _, c in found:
        ports = {p["name"] for p in c["ports"]}
        probes = [c[k] for k in ("readinessProbe", "livenessProbe") if k in c]
        assert len(probes) == 2, c["name"]
        for probe in probes:
            assert probe["httpGet"]["path"] in HEALTH_PATHS
            assert probe["httpGet"]["port"] in ports
        assert "--dapr-listen-addresses=0.0.0.0" in c["args"]  # probes come from the kubelet
        assert c["resources"]["requests"]["memory"] and c["resources"]["limits"]["memory"]


def test_references_resolve():
    """Volumes, Secret references and selectors name objects and labels that exist."""
    configmaps = {d["metadata"]["name"] for d in of_kind("ConfigMap")}
    secrets = {d["metadata"]["name"]: set(d["stringData"]) for d in of_kind("Secret")}
    for deployment, spec in pod_specs():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
        for v in spec.get("volumes", []):
            assert v["configMap"]["name"] in configmaps
        for c in spec.get("containers", []) + spec.get("initContainers", []):
            for e in c.get("envFrom", []):
                assert e["secretRef"]["name"] in secrets
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["key"] in secrets[ref["name"]]
    gateway = next(d for d, _ in pod_specs() if d["metadata"]["name"] == "parlance")
    pod_labels = gateway["spec"]["template"]["metadata"]["labels"].items()
    for kind in ("Service", "PodDisruptionBudget", "ServiceMonitor"):
        d = next(d for d in of_kind(kind) if d["metadata"]["name"] == "parlance")
        selector = d["spec"]["selector"]
        assert selector.get("matchLabels", selector).items() <= pod_labels, kind
    hpa = of_kind("HorizontalPodAutoscaler")[0]["spec"]["scaleTargetRef"]
    assert (hpa["kind"], hpa["name"]) == ("Deployment", "parlance")


def render(folder):
    """What `kubectl kustomize` gives for our kustomizations, which use only `resources` and
    `labels` (pairs added to every object's metadata.labels, selectors untouched)."""
    k = yaml.safe_load((folder / "kustomization.yaml").read_text())
    assert set(k) <= {"apiVersion", "kind", "labels", "resources"}, "render() knows only these"
    pairs = {}
    for entry in k.get("labels", []):
        assert not entry.get("includeSelectors"), "render() does not touch selectors"
        pairs.update(entry["pairs"])
    out = []
    for r in k["resources"]:
        for d in docs(folder / r):
            d = copy.deepcopy(d)
            d.setdefault("metadata", {}).setdefault("labels", {}).update(pairs)
            out.append(d)
    return out


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_kustomize_render_is_valid(folder):
    rendered = render(folder)
    for doc in rendered:
        validate(doc, VERSIONS[-1])
    # Where kubectl is installed, its own render must be the same objects.
    kubectl = shutil.which("kubectl")
    if kubectl is not None:
        out = subprocess.run([kubectl, "kustomize", str(folder)], check=True, capture_output=True,
                             text=True)
        theirs = [d for d in yaml.safe_load_all(out.stdout) if d is not None]
        key = lambda d: (d["kind"], d["metadata"]["name"])
        assert sorted(theirs, key=key) == sorted(rendered, key=key)
