"""Scripts keep LF line endings in every checkout (.gitattributes): Git for Windows' core.autocrlf=true would
otherwise check them out with CRLF, and `/usr/bin/env: 'bash\\r'` stops the build."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# Read by make, the image build or a shell whatever their first line says.
ALWAYS_LF = ["Makefile", "Dockerfile", ".dockerignore", "requirements/runtime.txt", "requirements/test.txt"]


def git(*args: str, cwd: Path = REPO) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, timeout=120).stdout


@pytest.fixture(scope="module")
def tracked() -> list[str]:
    if subprocess.run(["git", "rev-parse"], cwd=REPO, capture_output=True).returncode != 0:
        pytest.skip("not a git checkout")
    return git("ls-files").splitlines()


def scripts(root: Path, names: list[str]) -> list[str]:
    """Every tracked file that starts with a shebang line."""
    return [name for name in names if (root / name).is_file() and (root / name).read_bytes().startswith(b"#!")]


def test_every_script_is_checked_out_with_lf(tracked: list[str]) -> None:
    covered = scripts(REPO, tracked) + ALWAYS_LF
    attributes = git("check-attr", "eol", "--", *covered).splitlines()

    assert len(scripts(REPO, tracked)) >= 5  # .ci/run and scripts/*.sh at least
    assert attributes == [f"{name}: eol: lf" for name in covered]


def test_a_crlf_checkout_still_runs_the_scripts(tracked: list[str], tmp_path: Path) -> None:
    """A clone of HEAD with core.autocrlf=true: other text files get CRLF, the scripts do not, and .ci/run runs."""
    clone = tmp_path / "clone"
    git("clone", "-q", "-c", "core.autocrlf=true", str(REPO), str(clone), cwd=tmp_path)
    names = git("ls-files", cwd=clone).splitlines()

    assert b"\r\n" in (clone / "README.md").read_bytes()  # the setting took effect
    with_cr = [name for name in scripts(clone, names) + ALWAYS_LF if b"\r" in (clone / name).read_bytes()]
    assert with_cr == []
    # .ci/run through its shebang, with a stand-in `make` that only says it ran.
    stub = tmp_path / "bin"
    stub.mkdir()
    (stub / "make").write_text("#!/bin/sh\necho \"make $*\"\n")
    (stub / "make").chmod(0o755)
    result = subprocess.run([str(clone / ".ci/run")], cwd=clone, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PATH": f"{stub}:{os.environ['PATH']}"})
    assert result.returncode == 0, result.stderr
    assert "make test" in result.stdout and ".ci/run: passed" in result.stdout
    # make itself reads the checked-out Makefile.
    dry_run = subprocess.run(["make", "-n", "lock"], cwd=clone, capture_output=True, text=True, timeout=60)
    assert dry_run.returncode == 0 and "scripts/lock-python.sh" in dry_run.stdout and "\r" not in dry_run.stdout
