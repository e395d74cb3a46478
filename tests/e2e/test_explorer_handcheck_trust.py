"""A hand-calculation check a student can trust (issue 14, first section): checking again re-judges, work done
from the rounded numbers on screen is right, and "predict first" leaks the hidden result nowhere."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from playwright.sync_api import expect

from tests.e2e.conftest import Api, Explorer, resolve_matrix
from tests.e2e.test_explorer_handcalc import entry, inputs, typed


def step_of(trace: dict[str, Any], step_id: str) -> dict[str, Any]:
    return next(step for step in trace["steps"] if step["id"] == step_id)


def test_checking_again_judges_the_corrected_entries(explorer: Explorer, api: Api) -> None:
    explorer.fresh("lang=en&preset=exercise")
    explorer.go_to("fwd:H2")
    h2 = resolve_matrix(api.preset_trace("exercise"), "H2")
    explorer.by_testid("handcalc").click()
    entry(explorer, 0, 0).fill(typed(h2[0][0] + 1))
    explorer.by_testid("handcalc-check").click()
    expect(entry(explorer, 0, 0)).to_have_attribute("data-verdict", "wrong")
    entry(explorer, 0, 0).fill(typed(h2[0][0]))
    explorer.by_testid("handcalc-check").click()  # the same step, checked again
    expect(entry(explorer, 0, 0)).to_have_attribute("data-verdict", "right")
    expect(explorer.by_testid("handcalc-summary")).to_have_text("1 of 8 right · 7 empty")
    entry(explorer, 0, 1).fill(typed(h2[0][1]))
    entry(explorer, 0, 1).press("Enter")  # and with Enter
    expect(entry(explorer, 0, 1)).to_have_attribute("data-verdict", "right")
    expect(explorer.by_testid("handcalc-summary")).to_have_text("2 of 8 right · 6 empty")
    explorer.by_testid("handcalc").click()
    assert explorer.errors == []


def test_work_from_the_shown_rounded_inputs_is_right_and_says_so(explorer: Explorer, api: Api) -> None:
    trace = api.preset_trace("exercise")
    step = step_of(trace, "bwd:dL/dW3")
    left, d = (np.round(np.array(resolve_matrix(trace, name)), 3) for name in step["inputs"])
    from_shown = left.T @ d  # O₂ᵀ·d from the numbers on screen
    exact = np.array(resolve_matrix(trace, "dL/dW3"))
    assert np.any(np.abs(np.round(from_shown, 3) - exact) > 0.0005), "the case the issue names: the two differ"
    explorer.fresh("lang=en&preset=exercise")
    explorer.go_to("bwd:dL/dW3")
    explorer.by_testid("handcalc").click()
    expect(inputs(explorer)).to_have_count(2)
    for r in range(2):
        entry(explorer, r, 0).fill(f"{from_shown[r][0]:.3f}")
    explorer.by_testid("handcalc-check").click()
    for r in range(2):
        expect(entry(explorer, r, 0)).to_have_attribute("data-verdict", "right")
    shown_only = [r for r in range(2) if abs(round(from_shown[r][0], 3) - exact[r][0]) > 0.0005]
    for r in shown_only:
        expect(entry(explorer, r, 0)).to_have_attribute("data-basis", "shown")
        expect(entry(explorer, r, 0).locator("xpath=..")).to_contain_text("from the shown inputs")
    expect(explorer.by_testid("handcalc-summary")).to_contain_text("2 of 2 right")
    expect(explorer.by_testid("handcalc-summary")).to_contain_text(f"{len(shown_only)} judged by the result of the rounded inputs")
    explorer.by_testid("handcalc").click()
    assert explorer.errors == []


def readout_values(explorer: Explorer) -> list[str]:
    return (explorer.page.locator("#neuron-view .graph-readout").text_content() or "").split(": ")[-1].split("; ")


def test_predict_first_leaks_nothing_through_the_readout_the_data_view_or_the_loss_chart(explorer: Explorer, api: Api) -> None:
    trace = api.preset_trace("exercise")
    explorer.fresh("lang=en&preset=exercise&step=fwd:O1")
    page = explorer.page
    explorer.by_testid("predict-first").check()
    page.locator("#neuron-view [data-neuron='1,1']").click()  # a neuron of layer 1 at the step computing O₁
    o1 = [f"{row[0]:.3f}" for row in trace["forward"]["O"][0]]
    h1 = [f"{row[0]:.3f}" for row in trace["forward"]["H"][0]]
    expect(page.locator("#neuron-view .graph-readout")).to_contain_text(h1[0].replace("-", "\u2212"))
    assert not set(o1) & {v.replace("\u2212", "-") for v in readout_values(explorer)}
    page.locator("#neuron-view [data-neuron='1,1']").click()  # unselect

    # ŷ: no tooltip and no heat map before its step is answered
    grid = page.locator("[data-testid=data-view-grid]")
    expect(grid).to_have_attribute("data-state", "hidden")
    assert "ŷ =" not in "".join(page.locator(".dv-points title").all_text_contents())
    assert page.locator(".dv-cells [data-yhat]").count() == 0

    # L: at loss:L the chart shows no dot, tooltip or axis end of this iteration's loss
    explorer.go_to("loss:L")
    loss = trace["forward"]["loss"]
    texts = " ".join(page.locator(".loss-chart text, .loss-chart title").all_text_contents())
    for value in (loss, loss / 2, 1.5 * loss):
        assert f"{value:.3f}" not in texts and f"{value:.4f}" not in texts, (value, texts)
    explorer.by_testid("handcalc-skip").click()  # answered: the loss and ŷ appear
    expect(page.locator(".loss-chart .loss-dot")).to_have_count(1)
    expect(grid).to_have_attribute("data-state", "ready")
    explorer.by_testid("predict-first").uncheck()
    assert explorer.errors == []


def test_help_opens_at_its_top_on_a_phone(explorer: Explorer) -> None:
    page = explorer.page
    page.set_viewport_size({"width": 390, "height": 640})
    try:
        explorer.fresh("lang=en&preset=exercise")
        page.locator("#help-open").click()
        dialog = page.locator("[data-testid=help-dialog]")
        expect(dialog).to_be_visible()
        expect(page.locator("#help-title")).to_be_focused()
        assert dialog.evaluate("el => el.scrollTop") == 0
        assert dialog.evaluate("el => el.scrollHeight > el.clientHeight"), "the help is longer than a phone's screen"
        page.keyboard.press("Escape")
    finally:
        page.set_viewport_size({"width": 1280, "height": 800})


SATURATED = {"layers": [2, 4, 1], "activations": ["tanh", "sigmoid"], "bias": True, "loss": "bce", "learning_rate": 1.0,
             "seed": 0, "init": "xavier_uniform", "X": [[0, 0], [0, 1], [1, 0], [1, 1]], "y": [[0], [1], [1], [0]],
             "weights": [[[1, 1, 1, 1], [1, 1, 1, 1]], [[30], [30], [30], [30]]], "biases": [[1, 1, 1, 1], [30]]}


def test_a_saturated_bce_output_says_its_gradient_was_clipped(explorer: Explorer, tmp_path) -> None:
    explorer.fresh("lang=en&preset=xor")
    state = {"format": "backprop-explorer-state", "version": 1, "state": {"request": SATURATED, "stepId": "bwd:dL/dy_hat"}}
    path = tmp_path / "saturated.json"
    path.write_text(json.dumps(state), encoding="utf-8")
    explorer.by_testid("share").locator("summary").click()
    explorer.by_testid("state-open").set_input_files(str(path))
    explorer.expect_step("bwd:dL/dy_hat")
    note = explorer.by_testid("bce-clipped")
    expect(note).to_be_visible()
    expect(note).to_contain_text("clipped")
    explorer.go_to("fwd:H1")
    expect(note).to_have_count(0)  # only where ∂L/∂ŷ is shown
    explorer.fresh("lang=en&preset=xor&step=bwd:dL/dy_hat")
    expect(explorer.by_testid("bce-clipped")).to_have_count(0)  # an unsaturated output needs no warning
    assert explorer.errors == []
