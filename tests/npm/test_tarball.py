import gzip
import io
import json
import os
import shutil
import subprocess
import tarfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from publish_guard.npm.tarball import TarballError, read_package_json, rewrite_package_version
from publish_guard.registry import make_tarball

NPM_PACK_MTIME = 499162500  # 1985-10-26T08:15:00Z
LONG_NAME = "a-file-name-long-enough-to-need-a-pax-header-" + "x" * 70 + ".js"
PACKAGE_JSON = """{
  "name": "@acme/widget",
  "version": "1.2.3",
  "description": "a \\"version\\": 9.9.9 in a string",
  "bin": {"widget": "bin/cli.js"},
  "config": {"version": "9.9.9"},
  "files": ["index.js", "bin", "lib", "assets"]
}
"""
SOURCES: dict[str, bytes] = {
    "index.js": b"module.exports = require('./lib/deep/util.js');\n",
    "bin/cli.js": b"#!/usr/bin/env node\nconsole.log(require('..'));\n",
    "lib/deep/util.js": b"module.exports = 42;\n",
    f"lib/deep/{LONG_NAME}": b"// long\n",
    "assets/blob.bin": bytes(range(256)) * 40 + b"\x00\xff" * 700,
}


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not on PATH")
    return npm


def _npm_env(home: Path) -> dict[str, str]:
    userconfig = home / "npmrc"
    userconfig.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.lower().startswith("npm_config_")}
    return {**env, "NPM_CONFIG_USERCONFIG": str(userconfig), "HOME": str(home)}


def _run_npm(args: list[str], cwd: Path, home: Path) -> str:
    done = subprocess.run(
        [_npm(), *args, "--cache", str(home / "cache"), "--no-audit", "--no-fund"],
        cwd=cwd,
        env=_npm_env(home),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def packed(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The tarball real ``npm pack`` makes of a small package."""
    root = tmp_path_factory.mktemp("npm-pack")
    source = root / "widget"
    for path, data in {"package.json": PACKAGE_JSON.encode(), **SOURCES}.items():
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        (source / path).write_bytes(data)
    (source / "bin/cli.js").chmod(0o755)
    out = root / "out"
    out.mkdir()
    _run_npm(["pack", "--pack-destination", str(out)], source, root)
    return (out / "acme-widget-1.2.3.tgz").read_bytes()


def _tar(tgz: bytes) -> bytes:
    return gzip.decompress(tgz)


def _members(tgz: bytes) -> list[tuple[dict[str, Any], bytes | None]]:
    """Each entry's tar metadata (pax headers included) and contents."""
    with tarfile.open(fileobj=io.BytesIO(tgz), mode="r:gz") as archive:
        result = []
        for member in archive.getmembers():
            info = {**member.get_info(), "pax": dict(member.pax_headers), "offset": member.offset}
            file = archive.extractfile(member)
            result.append((info, file.read() if file else None))
        return result


def _package_json_text(tgz: bytes) -> str:
    for info, data in _members(tgz):
        if info["name"].endswith("/package.json") and info["name"].count("/") == 1:
            assert data is not None
            return data.decode()
    raise AssertionError("no package.json")


def test_what_npm_pack_writes(packed: bytes) -> None:
    """The facts the rewrite relies on, as npm 11 / node-tar produce them."""
    assert packed[:4] == b"\x1f\x8b\x08\x00"  # gzip, deflate, no optional fields
    assert packed[4:10] == b"\0\0\0\0\x02\xff"  # mtime 0, level 9, OS "unknown"
    with tarfile.open(fileobj=io.BytesIO(packed), mode="r:gz") as archive:
        members = archive.getmembers()
    assert all(m.name.startswith("package/") and m.isfile() for m in members)  # no dir entries
    assert {m.mtime for m in members} == {NPM_PACK_MTIME}
    assert {(m.uid, m.gid, m.uname, m.gname) for m in members} == {(0, 0, "", "")}
    long = next(m for m in members if m.name.endswith(LONG_NAME))
    assert long.pax_headers["path"] == long.name  # a pax "x" header carries the long name
    assert next(m for m in members if m.name == "package/bin/cli.js").mode == 0o755
    raw = _tar(packed)
    assert raw[257:263] == b"ustar\x00"


def test_rewrite_changes_only_the_version(packed: bytes) -> None:
    rewritten = rewrite_package_version(packed, "1.2.3-dev.0")

    before, after = _members(packed), _members(rewritten)
    assert [i["name"] for i, _ in before] == [i["name"] for i, _ in after]
    for (old, old_data), (new, new_data) in zip(before, after, strict=True):
        if old["name"] == "package/package.json":
            assert {**old, "size": 0, "chksum": 0} == {**new, "size": 0, "chksum": 0}
        else:
            assert old == new
            assert old_data == new_data
    assert _package_json_text(rewritten) == PACKAGE_JSON.replace(
        '"version": "1.2.3"', '"version": "1.2.3-dev.0"'
    )
    assert read_package_json(rewritten)["version"] == "1.2.3-dev.0"
    assert read_package_json(rewritten)["config"] == {"version": "9.9.9"}


def test_every_other_tar_block_is_copied_verbatim(packed: bytes) -> None:
    rewritten = rewrite_package_version(packed, "1.2.3-rc.1.dev.17")
    old, new = _tar(packed), _tar(rewritten)
    entry = next(i for i, _ in _members(packed) if i["name"] == "package/package.json")
    old_end = entry["offset"] + 512 + -(-entry["size"] // 512) * 512
    grown = len("-rc.1.dev.17")
    new_end = entry["offset"] + 512 + -(-(entry["size"] + grown) // 512) * 512
    assert new[: entry["offset"]] == old[: entry["offset"]]
    assert new[new_end:] == old[old_end:]


def test_npm_installs_the_rewritten_tarball(packed: bytes, tmp_path: Path) -> None:
    tgz = tmp_path / "widget-dev.tgz"
    tgz.write_bytes(rewrite_package_version(packed, "1.2.3-dev.4"))
    project = tmp_path / "project"
    project.mkdir()
    (project / "package.json").write_text('{"name": "consumer", "private": true}\n')

    _run_npm(["install", "--offline", str(tgz)], project, tmp_path)

    installed = project / "node_modules/@acme/widget"
    assert json.loads((installed / "package.json").read_text())["version"] == "1.2.3-dev.4"
    for path, data in SOURCES.items():
        assert (installed / path).read_bytes() == data
    assert os.access(installed / "bin/cli.js", os.X_OK)
    lock = json.loads((project / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/@acme/widget"]["version"] == "1.2.3-dev.4"


def test_python_made_tarball_keeps_its_formatting() -> None:
    manifest = {"name": "widget", "version": "2.0.0", "scripts": {"test": "true"}}
    tgz = make_tarball(manifest, {"index.js": "x\n", "lib/a.js": b"\x00\x01"})
    old_text = _package_json_text(tgz)

    rewritten = rewrite_package_version(tgz, "2.0.0-dev.0")

    assert _package_json_text(rewritten) == old_text.replace('"2.0.0"', '"2.0.0-dev.0"')
    others = [(i, d) for i, d in _members(tgz) if i["name"] != "package/package.json"]
    assert [(i, d) for i, d in _members(rewritten) if i["name"] != "package/package.json"] == others
    assert read_package_json(rewritten) == {**manifest, "version": "2.0.0-dev.0"}


def _tarball(
    entries: list[tuple[str, bytes]],
    *,
    fmt: int = tarfile.USTAR_FORMAT,
    pax: dict[str, dict[str, str]] | None = None,
) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=fmt) as archive:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), NPM_PACK_MTIME, 0o644
            info.uid, info.gid, info.uname, info.gname = 501, 20, "dev", "staff"
            info.pax_headers = (pax or {}).get(name, {})
            archive.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


PKG = b'{"name":"w","version":"1.0.0"}'


@pytest.mark.parametrize(
    ("top", "fmt"),
    [
        ("node-widget", tarfile.USTAR_FORMAT),  # an old tarball's top folder
        ("t" * 95, tarfile.USTAR_FORMAT),  # path split into the ustar prefix field
        ("g" * 120, tarfile.GNU_FORMAT),  # GNU "L" long-name entry before package.json
        ("p" * 120, tarfile.PAX_FORMAT),  # pax "x" header with a path record
    ],
)
def test_finds_package_json_under_any_top_folder(top: str, fmt: int) -> None:
    tgz = _tarball([(f"{top}/a.js", b"a"), (f"{top}/package.json", PKG)], fmt=fmt)

    rewritten = rewrite_package_version(tgz, "1.0.0-dev.3")

    assert read_package_json(rewritten) == {"name": "w", "version": "1.0.0-dev.3"}
    before, after = _members(tgz), _members(rewritten)
    assert before[0] == after[0]
    assert {**before[1][0], "size": 0, "chksum": 0} == {**after[1][0], "size": 0, "chksum": 0}
    assert after[1][1] == b'{"name":"w","version":"1.0.0-dev.3"}'


def test_a_pax_size_record_is_updated_with_the_file() -> None:
    pax = {"package/package.json": {"size": str(len(PKG)), "comment": "kept"}}
    tgz = _tarball([("package/package.json", PKG)], fmt=tarfile.PAX_FORMAT, pax=pax)

    [(info, data)] = _members(rewrite_package_version(tgz, "1.0.0-dev.0"))

    assert data == b'{"name":"w","version":"1.0.0-dev.0"}'
    assert info["pax"] == {"size": str(len(data)), "comment": "kept"}


def test_nested_package_json_files_are_not_touched() -> None:
    nested = b'{"version": "0.0.1"}'
    tgz = _tarball([("package/lib/package.json", nested), ("package/package.json", PKG)])

    rewritten = rewrite_package_version(tgz, "1.0.0-dev.0")

    assert _members(rewritten)[0][1] == nested


def test_concatenated_gzip_members_are_read() -> None:
    raw = gzip.decompress(make_tarball({"name": "w", "version": "1.0.0"}))
    tgz = gzip.compress(raw[:1024]) + gzip.compress(raw[1024:])

    assert read_package_json(rewrite_package_version(tgz, "1.0.0-dev.1"))["version"] == (
        "1.0.0-dev.1"
    )


def _corrupt_cases() -> dict[str, bytes]:
    good = make_tarball({"name": "w", "version": "1.0.0"})
    raw = gzip.decompress(good)
    flipped = bytearray(raw)
    flipped[10] ^= 0xFF  # inside the first header's name: the checksum no longer matches
    return {
        "not gzip": raw,
        "empty": b"",
        "truncated gzip": good[: len(good) // 2],
        "bad crc": good[:-8] + b"\0\0\0\0" + good[-4:],
        "trailing garbage": good + b"garbage",
        "bad header checksum": gzip.compress(bytes(flipped)),
        "tar cut inside an entry": gzip.compress(raw[:700]),
        "no package.json": _tarball([("package/index.js", b"x")]),
        "package.json not json": _tarball([("package/package.json", b"{nope")]),
        "package.json an array": _tarball([("package/package.json", b"[]")]),
        "random bytes": gzip.compress(os.urandom(2048)),
    }


@pytest.mark.parametrize("case", list(_corrupt_cases()))
def test_corrupt_input_raises_tarball_error(case: str) -> None:
    tgz = _corrupt_cases()[case]
    with pytest.raises(TarballError):
        rewrite_package_version(tgz, "1.0.0-dev.0")
    with pytest.raises(TarballError):
        read_package_json(tgz)


def test_a_20_mb_tarball_is_rewritten_in_one_pass() -> None:
    """Runs a large rewrite and prints time and peak memory (no timed assertion)."""
    text = "".join(f"line {i}: the quick brown fox\n" for i in range(200_000)).encode()
    files: dict[str, str | bytes] = {f"lib/chunk{i}.bin": os.urandom(1_000_000) for i in range(20)}
    files["lib/text.txt"] = text
    files.update({f"src/f{i}.js": f"module.exports = {i};\n" for i in range(2000)})
    tgz = make_tarball({"name": "big", "version": "3.1.4"}, files)

    tracemalloc.start()
    started = time.perf_counter()
    rewritten = rewrite_package_version(tgz, "3.1.4-dev.0")
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(f"\n{len(tgz) / 1e6:.1f} MB tarball: {elapsed:.2f} s, peak {peak / 1e6:.1f} MB")
    assert read_package_json(rewritten)["version"] == "3.1.4-dev.0"
    assert len(gzip.decompress(rewritten)) == len(gzip.decompress(tgz))
