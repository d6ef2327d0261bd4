"""The manifest of a publish must be the tarball's (pure): "manifest confusion" refused.

A publish carries the package twice: the manifest in ``versions`` (what the registry serves, and
what ``npm install`` resolves dependencies and runs scripts from) and ``package/package.json``
inside the tarball (what lands on disk). The public registry does not compare them, so a
publish can hide an install script or a dependency from everyone who reads the registry.

Both sides are put in the form npm itself gives a manifest when it publishes (``npm publish``
runs ``@npmcli/package-json``'s ``prepare`` over package.json: ``bundledDependencies`` spelt
``bundleDependencies``, ``true`` expanded, optional dependencies removed from ``dependencies``,
non-string scripts dropped and ``node_modules/.bin/`` stripped from them, ``"bin": "cli.js"``
made ``{"<name>": "cli.js"}`` with each path made safe, ``directories.bin`` expanded from the
files, and ``scripts.install = "node-gyp rebuild"`` added when a ``*.gyp`` file sits at the root
with no install or preinstall script — as npm also does when it installs). Then everything that
decides an install must agree: name, version, the dependency fields, ``bin``, the install-time
scripts and ``os``/``cpu``/``libc``/``engines``.
"""

from __future__ import annotations

import copy
import posixpath
import re
from collections.abc import Mapping
from typing import Any

from publish_guard.npm.documents import version_identity
from publish_guard.npm.tarball import Package

FIELDS = (
    "name",
    "version",
    "dependencies",
    "optionalDependencies",
    "peerDependencies",
    "peerDependenciesMeta",
    "bundleDependencies",
    "bin",
    "os",
    "cpu",
    "libc",
    "engines",
)
INSTALL_SCRIPTS = ("preinstall", "install", "postinstall")
_BIN_PREFIX = re.compile(r"^(\.[/\\])?node_modules[/\\].bin[\\/]")
_EMPTY: tuple[object, ...] = (None, {}, [])


def mismatches(sent: Mapping[str, Any], package: Package) -> list[str]:
    """The install-deciding fields where the manifest ``sent`` and the tarball's package.json
    disagree, each as ``"<field>"`` or ``"scripts.<name>"``; empty when they agree."""
    ours, theirs = as_published(sent, package.files), as_published(package.manifest, package.files)
    differ = [field for field in FIELDS if not _same(field, ours.get(field), theirs.get(field))]
    sent_scripts = ours.get("scripts") or {}
    packed_scripts = theirs.get("scripts") or {}
    differ += [
        f"scripts.{name}"
        for name in INSTALL_SCRIPTS
        if sent_scripts.get(name) != packed_scripts.get(name)
    ]
    return differ


def as_published(manifest: Mapping[str, Any], files: frozenset[str]) -> dict[str, Any]:
    """``manifest`` in the form npm gives it when it publishes (see the module's docstring)."""
    data: dict[str, Any] = copy.deepcopy(dict(manifest))
    if "bundleDependencies" not in data and "bundledDependencies" in data:
        data["bundleDependencies"] = data["bundledDependencies"]
    data.pop("bundledDependencies", None)
    bundled = data.get("bundleDependencies")
    if bundled is True:
        data["bundleDependencies"] = sorted(_mapping(data.get("dependencies")))
    elif isinstance(bundled, Mapping):
        data["bundleDependencies"] = list(bundled)
    elif not isinstance(bundled, list):
        data.pop("bundleDependencies", None)
    optional = data.get("optionalDependencies")
    if isinstance(data.get("dependencies"), dict) and isinstance(optional, Mapping):
        for name in optional:
            data["dependencies"].pop(name, None)
    data["scripts"] = _scripts(data, files)
    data["bin"] = _bin(data, files)
    if isinstance(data.get("version"), str):
        data["version"] = version_identity(data["version"].strip())
    return data


def _scripts(data: Mapping[str, Any], files: frozenset[str]) -> dict[str, str]:
    raw = data.get("scripts")
    scripts = {
        name: _BIN_PREFIX.sub("", value)
        for name, value in (raw.items() if isinstance(raw, Mapping) else ())
        if isinstance(value, str)
    }
    gyp = any("/" not in path and path.endswith(".gyp") for path in files)
    hooks = scripts.get("install") or scripts.get("preinstall")
    if gyp and data.get("gypfile") is not False and not hooks:
        scripts["install"] = "node-gyp rebuild"
    return scripts


def _bin(data: Mapping[str, Any], files: frozenset[str]) -> dict[str, str] | None:
    bin_field = data.get("bin")
    directories = data.get("directories")
    bin_dir = directories.get("bin") if isinstance(directories, Mapping) else None
    if not bin_field and isinstance(bin_dir, str):
        root = _safe_path(bin_dir)
        return {
            posixpath.basename(path): f"{root}/{_safe_path(path[len(root) + 1 :])}"
            for path in sorted(files)
            if root and path.startswith(root + "/") and not posixpath.basename(path).startswith(".")
        } or None
    if isinstance(bin_field, str) and isinstance(data.get("name"), str):
        bin_field = {data["name"]: bin_field}
    elif isinstance(bin_field, list):
        bin_field = {posixpath.basename(str(path)): path for path in bin_field}
    if not isinstance(bin_field, Mapping):
        return None
    result: dict[str, str] = {}
    for key, target in bin_field.items():
        if not isinstance(target, str):
            continue
        base = posixpath.basename(_safe_path(str(key)))
        path = _safe_path(target)
        if base and path:
            result[base] = path
    return result or None


def _safe_path(ref: str) -> str:
    """npm's ``secureAndUnixifyPath``: no climbing out, ``/`` separators, no leading ``/``."""
    unix = re.sub(r"[\\:]", "/", ref)
    joined = posixpath.normpath(posixpath.join("/", unix)).lstrip("/")
    return "" if joined in ("", ".") else joined


def _same(field: str, ours: object, theirs: object) -> bool:
    if ours in _EMPTY and theirs in _EMPTY:
        return True
    if field in ("os", "cpu", "libc") and isinstance(ours, str) and isinstance(theirs, list):
        return [ours] == theirs
    if field in ("os", "cpu", "libc") and isinstance(theirs, str) and isinstance(ours, list):
        return [theirs] == ours
    return ours == theirs


def _mapping(value: object) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}
