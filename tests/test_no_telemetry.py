"""Nothing phones home at build time: swagger-ui-dist pulls @scarf/scarf, whose install step reports to scarf.sh
unless the root package.json (or SCARF_ANALYTICS=false, set in the Dockerfile's assets stage) turns it off.
Its own decision code runs here with its HTTPS request replaced by a recorder, so nothing leaves the machine."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCARF = REPO / "node_modules/@scarf/scarf/report.js"
# Runs scarf's postinstall logic as npm would (INIT_CWD is the project being installed) and prints what it tried
# to send and why it stopped. Its `npm ls` runs without scarf's own 3-second limit, which a busy machine exceeds.
PROBE = """
const https = require('https');
const { execSync } = require('child_process');
const sent = [];
https.request = (options) => { sent.push(options.host); throw new Error('recorded, not sent'); };
const scarf = require(process.argv[1]);
scarf.getDependencyInfo = () => new Promise((resolve, reject) => {
  const tree = execSync('npm ls @scarf/scarf --json --long', { cwd: process.env.INIT_CWD, maxBuffer: 1 << 30 });
  scarf.processDependencyTreeOutput(resolve, reject)(null, tree.toString(), '');
});
scarf.reportPostInstall()
  .then(() => 'sent', (e) => e.message)
  .then((outcome) => { console.log(JSON.stringify({ sent, outcome })); process.exit(0); });
"""


def scarf_outcome(project: Path, **env: str) -> dict:
    if shutil.which("node") is None or not SCARF.is_file():
        pytest.fail("node and node_modules/@scarf/scarf are needed: run `make setup-test`")
    quiet = {k: v for k, v in os.environ.items() if not k.startswith(("SCARF_", "DO_NOT_TRACK", "npm_"))}
    result = subprocess.run(["node", "-e", PROBE, str(SCARF)], cwd=project, capture_output=True, text=True,
                            env={**quiet, "INIT_CWD": str(project), **env}, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_package_json_turns_scarf_off() -> None:
    assert json.loads((REPO / "package.json").read_text())["scarfSettings"] == {"enabled": False}


def test_scarf_sends_nothing_from_this_project() -> None:
    assert scarf_outcome(REPO) == {
        "sent": [], "outcome": "Scarf has been disabled via a package.json in the dependency chain."}


@pytest.fixture
def project_without_settings(tmp_path: Path) -> Path:
    """This project as it was: package.json without scarfSettings, the same node_modules."""
    package = json.loads((REPO / "package.json").read_text())
    del package["scarfSettings"]
    (tmp_path / "package.json").write_text(json.dumps(package))
    shutil.copy(REPO / "package-lock.json", tmp_path)
    (tmp_path / "node_modules").symlink_to(REPO / "node_modules")
    return tmp_path


def test_without_the_setting_scarf_would_send(project_without_settings: Path) -> None:
    """The probe sees a send: by default swagger-ui-dist's scarf reports the install to scarf.sh."""
    assert scarf_outcome(project_without_settings)["sent"] == ["scarf.sh"]


def test_the_images_environment_alone_also_stops_it(project_without_settings: Path) -> None:
    """SCARF_ANALYTICS=false (the Dockerfile's assets stage) holds even where package.json says nothing."""
    assert scarf_outcome(project_without_settings, SCARF_ANALYTICS="false") == {
        "sent": [], "outcome": "User has opted out"}
