"""The explorer page carries the core's limits, defaults and names (app/pages.py), so the scripts copy none."""

from __future__ import annotations

import html
import json
import re
from dataclasses import asdict

from app.core import DEFAULTS, LIMITS, LOSSES
from app.core import notation


def page_options(client) -> tuple[str, dict]:
    page = client.get("/").text
    attribute = re.search(r'data-core-options="([^"]*)"', page)
    assert attribute is not None
    return page, json.loads(html.unescape(attribute.group(1)))


def test_the_page_gets_the_core_s_limits_defaults_and_decimals(client):
    _, options = page_options(client)

    assert options["limits"] == asdict(LIMITS)
    assert options["defaults"] == json.loads(json.dumps(asdict(DEFAULTS)))
    assert options["decimals"] == {"min": notation.DECIMALS_MIN, "max": notation.DECIMALS_MAX,
                                   "default": notation.DECIMALS_DEFAULT}
    assert options["sigmoid_output_losses"] == [name for name, loss in LOSSES.items() if loss.needs_sigmoid_output]


def test_the_train_field_s_bounds_come_from_the_core(client):
    page, _ = page_options(client)

    field = re.search(r'<input type="number" id="train-epochs"[^>]*>', page)
    assert field is not None
    assert f'max="{LIMITS.max_epochs}"' in field.group(0) and f'value="{DEFAULTS.epochs}"' in field.group(0)


def test_the_api_docs_state_the_core_s_row_limit(client):
    summary = client.get("/openapi.json").json()["paths"]["/api/predict"]["post"]["summary"]

    assert f"up to {LIMITS.max_predict_rows} rows" in summary
