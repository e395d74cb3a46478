"""The wheel carries static/ and templates/ inside the package, and an installed copy serves them."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hatchling.builders.wheel import WheelBuilder

REPO = Path(__file__).resolve().parent.parent
KATEX_CSS = "app/static/vendor/katex/katex.min.css"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel from the checkout in-process (no network, no isolated build env)."""
    if not (REPO / "static/vendor/katex/katex.min.css").is_file():
        pytest.fail("static/vendor/katex/ is missing: run `make setup` (npm ci + copy) before this test")
    out = tmp_path_factory.mktemp("dist")
    built = list(WheelBuilder(str(REPO)).build(directory=str(out), versions=["standard"]))
    assert len(built) == 1
    return Path(built[0])


@pytest.fixture(scope="module")
def wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_wheel_maps_static_and_templates_into_the_package(wheel_names: set[str]) -> None:
    assert "app/templates/index.html" in wheel_names
    assert "app/templates/base.html" in wheel_names
    assert "app/static/js/main.js" in wheel_names
    assert "app/static/css/app.css" in wheel_names
    assert not any(name.startswith(("static/", "templates/")) for name in wheel_names)


def test_wheel_includes_the_git_ignored_vendor_assets(wheel_names: set[str]) -> None:
    assert KATEX_CSS in wheel_names
    assert "app/static/vendor/swagger-ui/swagger-ui-bundle.js" in wheel_names
    assert "app/static/vendor/katex/katex.mjs" in wheel_names
    assert "app/static/vendor/katex/fonts/KaTeX_Main-Regular.woff2" in wheel_names


def test_wheel_declares_the_console_script(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        entry_points = next(n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt"))
        text = archive.read(entry_points).decode()

    assert "backprop-explorer = app.cli:main" in text


def test_unpacked_wheel_serves_its_own_static_files(wheel: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(tmp_path)
    probe = (
        "from fastapi.testclient import TestClient\n"
        "from app.paths import static_dir, templates_dir\n"
        "from app.main import app\n"
        "client = TestClient(app, base_url='http://127.0.0.1')\n"
        "print(static_dir(), templates_dir(), client.get('/').status_code,\n"
        "      client.get('/static/vendor/katex/katex.min.css').status_code)\n"
    )
    # The unpacked wheel comes first on the path, ahead of the editable checkout.
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "PYTHONWARNINGS": "error"}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    static, templates, page_status, katex_status = result.stdout.split()
    assert static == str(tmp_path / "app" / "static")
    assert templates == str(tmp_path / "app" / "templates")
    assert (page_status, katex_status) == ("200", "200")
