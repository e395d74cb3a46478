"""The Dockerfile, read without building it (scripts/verify-container.sh builds and runs it): pinned bases,
the locked packages, no wheel in a layer, and a HEALTHCHECK and CMD that follow BACKPROP_PORT."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from app.cli import build_parser
from app.main import app
from app.settings import Settings
from tests.helpers import running_server

REPO = Path(__file__).resolve().parent.parent


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, its arguments) in order, continuation lines joined, comments dropped."""
    text = (REPO / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    found = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def stages() -> dict[str, list[tuple[str, str]]]:
    """Each stage's instructions by its name (the last, unnamed one is "runtime")."""
    found: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for keyword, rest in instructions():
        if keyword == "FROM":
            parts = rest.split()
            current = [(keyword, rest)]
            found[parts[2] if len(parts) > 2 and parts[1].upper() == "AS" else "runtime"] = current
        else:
            current.append((keyword, rest))
    return found


def test_base_images_are_pinned_to_exact_versions() -> None:
    bases = {rest.split()[0] for keyword, rest in instructions() if keyword == "FROM"}

    assert bases == {b for b in bases if re.fullmatch(r"node:22\.\d+\.\d+-bookworm-slim", b)
                     or re.fullmatch(r"python:3\.11\.\d+-slim-bookworm", b)}
    assert {b.split(":")[0] for b in bases} == {"node", "python"}


def test_every_python_package_comes_from_the_lock_with_its_hash() -> None:
    by_stage = stages()
    pip_runs = {name: [rest for keyword, rest in steps if keyword == "RUN" and "pip install" in rest]
                for name, steps in by_stage.items()}

    (build_install,) = pip_runs["wheel"]
    assert "source=requirements/build.txt" in build_install and "--require-hashes" in build_install
    locked, project = pip_runs["runtime"]
    assert "source=requirements/runtime.txt" in locked and "--require-hashes" in locked
    assert "--no-deps" in project and "--no-index" in project


def test_the_wheel_is_bind_mounted_never_copied_into_the_runtime() -> None:
    runtime = stages()["runtime"]
    copies = [rest for keyword, rest in runtime if keyword == "COPY"]
    (install,) = [rest for keyword, rest in runtime if keyword == "RUN" and ".whl" in rest]

    assert not any("--from=wheel" in copy for copy in copies)
    assert re.search(r"--mount=type=bind,from=wheel\b", install)


def test_the_assets_stage_turns_scarfs_install_telemetry_off() -> None:
    assets = stages()["assets"]
    envs = " ".join(rest for keyword, rest in assets if keyword == "ENV")
    first_run = next(i for i, (keyword, _) in enumerate(assets) if keyword == "RUN")
    first_env = next(i for i, (keyword, rest) in enumerate(assets) if keyword == "ENV" and "SCARF" in rest)

    assert "SCARF_ANALYTICS=false" in envs
    assert first_env < first_run  # set before `npm ci` runs any install script


def json_form(keyword: str) -> list[str]:
    (rest,) = [rest for k, rest in stages()["runtime"] if k == keyword]
    return json.loads(rest[rest.index("["):])


def test_cmd_serves_on_backprop_host_and_port() -> None:
    command = json_form("CMD")
    env = {**os.environ, "BACKPROP_HOST": "0.0.0.0", "BACKPROP_PORT": "9123"}

    assert command[0] == "backprop-explorer" and "8000" not in command
    args = build_parser(Settings.from_env(env)).parse_args(command[1:])
    assert (args.host, args.port) == ("0.0.0.0", 9123)


def test_the_health_check_asks_the_server_on_backprop_port() -> None:
    program, *args = json_form("HEALTHCHECK")  # HEALTHCHECK … CMD ["python", "-c", "…"]
    with running_server(app, Settings(log_level="warning")) as url:
        port = url.rsplit(":", 1)[1]
        healthy = subprocess.run([sys.executable, *args], env={**os.environ, "BACKPROP_PORT": port},
                                 capture_output=True, timeout=30)
        elsewhere = subprocess.run([sys.executable, *args], env={**os.environ, "BACKPROP_PORT": "9"},
                                   capture_output=True, timeout=30)

    assert program == "python"
    assert healthy.returncode == 0, healthy.stderr
    assert elsewhere.returncode != 0
