"""The Python lock files (requirements/, `make lock`) pin every package with hashes, agree with pyproject.toml's
ranges, and are what setup installs (scripts/install-python.sh) and what re-runs setup when they change."""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parent.parent
LOCKS = REPO / "requirements"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
# `name==version ; marker \` opens an entry; its `--hash=sha256:…` lines follow.
PIN = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>[^\s;\\]+)(?:\s*;\s*(?P<marker>[^\\]+?))?\s*\\?$")


def read_lock(name: str) -> dict[tuple[str, str], tuple[str, list[str]]]:
    """{(package, marker): (version, hashes)} of one lock file."""
    entries: dict[tuple[str, str], tuple[str, list[str]]] = {}
    current: list[str] | None = None
    for line in (LOCKS / name).read_text().splitlines():
        if match := PIN.match(line):
            key = (canonicalize_name(match["name"]), (match["marker"] or "").strip())
            current = []
            entries[key] = (match["version"], current)
        elif line.strip().startswith("--hash=") and current is not None:
            current.append(line.strip().removeprefix("--hash=").rstrip(" \\"))
    return entries


def versions(name: str) -> dict[str, set[str]]:
    """{package: its pinned versions} (a package can have one pin per Python version, e.g. numpy)."""
    found: dict[str, set[str]] = {}
    for (package, _), (version, _) in read_lock(name).items():
        found.setdefault(package, set()).add(version)
    return found


@pytest.mark.parametrize("name", ["runtime.txt", "test.txt", "build.txt"])
def test_every_pin_is_exact_and_hashed(name: str) -> None:
    text = (LOCKS / name).read_text()
    entries = read_lock(name)

    assert entries, f"{name} pins nothing"
    assert all(hashes and all(h.startswith("sha256:") for h in hashes) for _, hashes in entries.values())
    # Every requirement line was understood: nothing unpinned slips through.
    requirement_lines = [line for line in text.splitlines() if line and not line.startswith((" ", "#"))]
    assert len(requirement_lines) == len(entries)
    assert "make lock" in text.splitlines()[1]  # how to regenerate it


@pytest.mark.parametrize(
    ("lock", "requirements"),
    [
        ("runtime.txt", PYPROJECT["project"]["dependencies"]),
        ("test.txt", PYPROJECT["project"]["dependencies"] + PYPROJECT["project"]["optional-dependencies"]["test"]),
        ("build.txt", PYPROJECT["build-system"]["requires"]),
    ],
)
def test_the_lock_satisfies_every_range_in_pyproject(lock: str, requirements: list[str]) -> None:
    """A range changed in pyproject.toml without `make lock` fails here."""
    pinned = versions(lock)
    for text in requirements:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{lock} has no pin for {text!r}: run `make lock`"
        for version in pinned[name]:
            assert requirement.specifier.contains(version, prereleases=True), (
                f"{lock} pins {name}=={version}, outside {text!r}: run `make lock`"
            )


def test_the_build_backend_is_pinned_once_and_locked_alike() -> None:
    (backend,) = PYPROJECT["build-system"]["requires"]
    requirement = Requirement(backend)
    (pin,) = requirement.specifier

    assert pin.operator == "=="
    assert versions("build.txt")["hatchling"] == {pin.version}
    assert versions("test.txt")["hatchling"] == {pin.version}


def test_one_package_has_one_version_in_every_lock() -> None:
    """runtime.txt and build.txt are resolved within test.txt: what `make test` tested is what is served."""
    test = read_lock("test.txt")
    for name in ("runtime.txt", "build.txt"):
        for key, (version, hashes) in read_lock(name).items():
            assert key in test, f"{key} in {name} but not in test.txt"
            assert test[key] == (version, hashes), key


def test_the_lock_covers_every_platform_the_readme_promises() -> None:
    """Universal: uvloop only where it installs (not Windows), numpy for every Python from 3.11 on."""
    runtime = read_lock("runtime.txt")
    markers = {package: marker for package, marker in runtime}

    assert "sys_platform != 'win32'" in markers["uvloop"]
    numpy_markers = sorted(marker for package, marker in runtime if package == "numpy")
    assert numpy_markers in ([""], ["python_full_version < '3.12'", "python_full_version >= '3.12'"])
    # Wheels for Linux (x86-64 and ARM), macOS and Windows are all hashed, so pip finds one it may install.
    _, numpy_hashes = next(value for (package, _), value in runtime.items() if package == "numpy")
    assert len(numpy_hashes) >= 10


@pytest.mark.parametrize(("target", "lock"), [("setup", "runtime.txt"), ("setup-test", "test.txt")])
def test_a_changed_lock_reruns_setup(target: str, lock: str) -> None:
    # -W: as if the lock file had just changed; -n: only print what would run.
    result = subprocess.run(
        ["make", "-n", "-W", f"requirements/{lock}", target], cwd=REPO, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert "scripts/install-python.sh" in result.stdout


@pytest.fixture
def stub_venv(tmp_path: Path) -> Path:
    """A copy of install-python.sh beside a fake .venv whose python and uv log their arguments."""
    (tmp_path / "scripts").mkdir()
    script = tmp_path / "scripts/install-python.sh"
    script.write_text((REPO / "scripts/install-python.sh").read_text())
    script.chmod(0o755)
    bin_dir = tmp_path / ".venv/bin"
    bin_dir.mkdir(parents=True)
    for tool in ("python", "uv"):
        stub = bin_dir / tool
        log = 'echo "%s $*" >> "$(dirname "$0")/../calls.log"' % tool
        stub.write_text(f'#!/bin/sh\n{log}\n[ -z "$FAIL_{tool.upper()}" ]\n')
        stub.chmod(0o755)
    return tmp_path


def install_calls(root: Path, *args: str, **env: str) -> list[str]:
    subprocess.run(
        ["bash", "scripts/install-python.sh", *args], cwd=root, env={**os.environ, **env}, check=True,
        capture_output=True, timeout=60,
    )
    return (root / ".venv/calls.log").read_text().splitlines()


@pytest.mark.parametrize(
    ("args", "requirements"),
    [((), "-r requirements/runtime.txt -r requirements/build.txt"), (("test",), "-r requirements/test.txt")],
)
def test_setup_installs_the_lock_then_the_project_without_dependencies(
    stub_venv: Path, args: tuple[str, ...], requirements: str
) -> None:
    calls = install_calls(stub_venv, *args)

    assert [c for c in calls if c.startswith("uv")] == [
        f"uv pip install --quiet --python .venv/bin/python --require-hashes {requirements}",
        "uv pip install --quiet --python .venv/bin/python --no-deps --no-build-isolation -e .",
    ]


def test_pips_fallback_installs_the_same_lock(stub_venv: Path) -> None:
    calls = install_calls(stub_venv, "test", FAIL_UV="1")

    assert [c for c in calls if c.startswith("python")] == [
        "python -m pip --disable-pip-version-check install --quiet --require-hashes -r requirements/test.txt",
        "python -m pip --disable-pip-version-check install --quiet --no-deps --no-build-isolation -e .",
    ]
