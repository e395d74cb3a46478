"""scripts/check_container.py's image checks (verify-container.sh runs them on a real image, which CI cannot
build): they must catch a wheel left in a layer and a package the lock did not choose."""

from __future__ import annotations

import importlib.util
import io
import json
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("check_container", REPO / "scripts/check_container.py")
assert spec and spec.loader
checks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(checks)

LINUX_311 = {"python_full_version": "3.11.14", "python_version": "3.11", "sys_platform": "linux",
             "platform_python_implementation": "CPython", "implementation_name": "cpython",
             "os_name": "posix", "platform_machine": "x86_64", "platform_system": "Linux",
             "platform_release": "", "platform_version": "", "implementation_version": "3.11.14", "extra": ""}


@pytest.fixture(autouse=True)
def no_failures_yet() -> None:
    checks.failures.clear()


def tar_bytes(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def saved_image(path: Path, layers: list[dict[str, bytes]]) -> str:
    """An archive shaped like `docker save`: a manifest and one tar per layer."""
    files = {"manifest.json": b"[]"} | {f"layer{i}.tar": tar_bytes(layer) for i, layer in enumerate(layers)}
    path.write_bytes(tar_bytes(files))
    return str(path)


def test_a_wheel_in_any_layer_is_caught_even_if_a_later_layer_deletes_it(tmp_path: Path) -> None:
    base = saved_image(tmp_path / "base.tar", [{"usr/share/python-wheels/pip.whl": b"pip"}])
    clean = saved_image(tmp_path / "clean.tar", [{"usr/share/python-wheels/pip.whl": b"pip"}, {"app.py": b""}])
    leaky = saved_image(tmp_path / "leaky.tar", [{"tmp/backprop_explorer-0.1.0.whl": b"x"}, {"tmp/.wh.x": b""}])

    checks.check_layers(clean, base)
    assert checks.failures == []
    checks.check_layers(leaky, base)
    assert checks.failures == ["no image layer holds a wheel (the base image's own aside)"]


@pytest.fixture
def lock(tmp_path: Path) -> Path:
    path = tmp_path / "runtime.txt"
    path.write_text("# make lock\n"
                    "numpy==2.4.6 ; python_full_version < '3.12' \\\n    --hash=sha256:aa\n"
                    "numpy==2.5.5 ; python_full_version >= '3.12' \\\n    --hash=sha256:bb\n"
                    "uvloop==0.23.0 ; sys_platform != 'win32' \\\n    --hash=sha256:cc\n"
                    "Jinja2==3.1.6 \\\n    --hash=sha256:dd\n")
    (tmp_path / "env.json").write_text(json.dumps(LINUX_311))
    (tmp_path / "base.txt").write_text("pip==25.0\nsetuptools==79.0\n")
    return path


@pytest.mark.parametrize(("installed", "failed"), [
    ("pip==25.0\nsetuptools==79.0\nnumpy==2.4.6\nuvloop==0.23.0\njinja2==3.1.6\nbackprop-explorer==0.1.0", False),
    # a package nobody chose
    ("pip==25.0\nnumpy==2.4.6\nuvloop==0.23.0\njinja2==3.1.6\nopentelemetry-api==1.45.3\nbackprop-explorer==0.1.0",
     True),
    # the other Python's numpy
    ("pip==25.0\nnumpy==2.5.5\nuvloop==0.23.0\njinja2==3.1.6\nbackprop-explorer==0.1.0", True),
    # the project missing
    ("pip==25.0\nnumpy==2.4.6\nuvloop==0.23.0\njinja2==3.1.6", True),
])
def test_the_image_holds_exactly_the_locked_packages(lock: Path, installed: str, failed: bool) -> None:
    (lock.parent / "installed.txt").write_text(installed)

    checks.check_packages(str(lock), str(lock.parent / "env.json"), str(lock.parent / "installed.txt"),
                          str(lock.parent / "base.txt"))

    assert bool(checks.failures) == failed
