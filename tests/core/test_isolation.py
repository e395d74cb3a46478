import subprocess
import sys
from pathlib import Path

import app.core

WEB = ["fastapi", "starlette", "pydantic", "jinja2", "uvicorn"]


def test_core_imports_nothing_from_the_web_layer():
    code = "import sys, app.core; print(','.join(m for m in sys.modules if m.split('.')[0] in %r))" % WEB
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_public_names():
    expected = {"ACTIVATIONS", "LOSSES", "INIT_SCHEMES", "LIMITS", "SpecError", "NetworkSpec", "make_spec",
                "check_data", "compute_trace", "gradient_check", "train", "PRESETS"}
    assert expected <= set(app.core.__all__)
    for name in app.core.__all__:
        assert getattr(app.core, name).__doc__ or name.isupper(), name


def test_the_notebook_example_in_the_docstring_runs():
    import doctest

    result = doctest.testmod(app.core)

    assert result.attempted > 0 and result.failed == 0
