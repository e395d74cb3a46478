"""The page's bundle (scripts/bundle.mjs, app/pages.py): linked while fresh, kept for good by browsers, sent as
compressed at setup; the modules one by one when it is stale or turned off."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.pages import IMMUTABLE, load_bundle, page_bundle
from app.paths import static_dir
from app.settings import Settings
from tests.helpers import BASE_URL

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bundle_urls(client: TestClient) -> tuple[str, str]:
    html = client.get("/").text
    script = re.search(r'<script type="module" src="(/static/bundle/[^"]+)"', html)
    style = re.search(r'<link rel="stylesheet" href="(/static/bundle/[^"]+)"', html)
    assert script and style, "the page does not link the bundle: run `make setup` (scripts/bundle.mjs)"
    return script.group(1), style.group(1)


def on_disk(url: str) -> bytes:
    return (static_dir() / url.removeprefix("/static/")).read_bytes()


def test_bundle_files_are_kept_for_good(client: TestClient, bundle_urls: tuple[str, str]) -> None:
    for url in bundle_urls:
        answer = client.get(url, headers={"accept-encoding": "identity"})

        assert answer.status_code == 200
        assert answer.headers["cache-control"] == IMMUTABLE == "public, max-age=31536000, immutable"
        assert answer.content == on_disk(url)
    assert client.get("/static/js/main.js").headers["cache-control"] == "no-cache"  # unversioned: revalidate


def test_bundle_is_sent_as_compressed_at_setup_without_compressing(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_compression(*args, **kwargs):
        raise AssertionError("compressed per request")

    monkeypatch.setattr(gzip, "compress", no_compression)
    monkeypatch.setattr(zlib, "compressobj", no_compression)
    with TestClient(create_app(), base_url=BASE_URL) as fresh:  # its own static files, nothing in memory yet
        script = re.search(r'src="(/static/bundle/[^"]+)"', fresh.get("/").text).group(1)
        with fresh.stream("GET", script, headers={"accept-encoding": "gzip"}) as gzipped:
            gzip_wire = b"".join(gzipped.iter_raw())
        with fresh.stream("GET", script, headers={"accept-encoding": "gzip, deflate, br"}) as brotli:
            brotli_wire = b"".join(brotli.iter_raw())

    assert gzipped.headers["content-encoding"] == "gzip" and gzipped.headers["vary"] == "Accept-Encoding"
    assert gzip_wire == on_disk(script + ".gz") and gzip.decompress(gzip_wire) == on_disk(script)
    assert brotli.headers["content-encoding"] == "br" and brotli_wire == on_disk(script + ".br")
    assert len(brotli_wire) < len(gzip_wire) < len(on_disk(script)) / 3


def test_a_bundle_is_used_only_while_its_sources_are_unchanged(tmp_path: Path) -> None:
    shutil.copytree(static_dir(), tmp_path / "static")
    root = tmp_path / "static"

    assert load_bundle(root) == page_bundle() is not None
    with (root / "js/store/state.js").open("a") as source:
        source.write("\n// edited after setup\n")
    assert load_bundle(root) is None
    shutil.rmtree(root / "bundle")
    assert load_bundle(root) is None


def test_without_the_bundle_the_page_loads_the_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKPROP_BUNDLE", "0")
    with TestClient(create_app(), base_url=BASE_URL) as unbundled:
        html = unbundled.get("/").text

    assert '<script type="module" src="/static/js/main.js?v=' in html
    assert '<link rel="stylesheet" href="/static/css/page.css?v=' in html
    assert '<link rel="modulepreload" href="/static/js/store/state.js">' in html
    assert "/static/bundle/" not in html
    assert "/static/vendor/katex/fonts/KaTeX_Main-Regular.woff2" in html


def test_bundle_setting_reads_zero_or_one() -> None:
    assert Settings.from_env({}).bundle is True
    assert Settings.from_env({"BACKPROP_BUNDLE": "0"}).bundle is False
    with pytest.raises(ValueError, match="BACKPROP_BUNDLE must be at least 0 and at most 1"):
        Settings.from_env({"BACKPROP_BUNDLE": "2"})


def test_the_manifest_lists_every_module_main_imports() -> None:
    manifest = json.loads((static_dir() / "bundle/manifest.json").read_text())
    modules = {path.relative_to(static_dir()).as_posix() for path in (static_dir() / "js").rglob("*.js")}

    assert modules - {"js/docs-init.js"} <= set(manifest["sources"])  # docs-init.js belongs to /docs
    assert "vendor/katex/katex.mjs" in manifest["sources"]


@pytest.mark.parametrize("edited", ["static/js/store/state.js", "static/css/app.css", "scripts/bundle.mjs"])
def test_make_rebuilds_the_bundle_after_an_edit(edited: str) -> None:
    dry_run = subprocess.run(["make", "-n", "-W", edited, "static/bundle/manifest.json"], cwd=REPO,
                             capture_output=True, text=True, timeout=60)

    assert dry_run.returncode == 0, dry_run.stderr
    assert "node scripts/bundle.mjs" in dry_run.stdout
