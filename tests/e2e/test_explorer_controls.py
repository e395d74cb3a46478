"""Stepping controls of the explorer: keys, play / pause, timeline, merged d, linked hover, next iteration."""

from __future__ import annotations

import pytest
from conftest import Api, Explorer, close_at, resolve_matrix, shown_number
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

EXERCISE_STEPS = 17
MERGED_STEPS = 15  # the two d-groups (·W₃ᵀ then ⊙f'(H₂); ·W₂ᵀ then ⊙f'(H₁)) shown as one step each


def counter(i: int, n: int = EXERCISE_STEPS) -> str:
    return f"Step {i} of {n}"


def test_arrow_home_and_end_keys_move_between_steps(explorer: Explorer) -> None:
    explorer.fresh()
    explorer.blur()
    keys = explorer.page.keyboard

    keys.press("ArrowRight")
    keys.press("ArrowRight")
    explorer.expect_counter(counter(3))
    explorer.expect_step("fwd:H2")
    keys.press("ArrowLeft")
    explorer.expect_step("fwd:O1")
    keys.press("End")
    explorer.expect_step("upd:W3")
    explorer.expect_counter(counter(EXERCISE_STEPS))
    keys.press("Home")
    explorer.expect_step("fwd:H1")
    keys.press("ArrowLeft")  # before the first: stays
    explorer.expect_counter(counter(1))
    assert explorer.errors == []


def test_space_toggles_play_and_the_player_advances_then_pauses(explorer: Explorer) -> None:
    explorer.fresh()
    explorer.by_testid("speed").select_option("4")  # one step per 0.4 s
    explorer.blur()
    play = explorer.by_testid("play")

    explorer.page.keyboard.press(" ")
    expect(play).to_have_attribute("aria-pressed", "true")
    explorer.expect_counter(counter(3))  # it moves on its own
    explorer.page.keyboard.press(" ")
    expect(play).to_have_attribute("aria-pressed", "false")
    paused_at = explorer.by_testid("step-counter").text_content()
    explorer.page.wait_for_timeout(1000)  # 2.5 ticks at 4×

    assert explorer.by_testid("step-counter").text_content() == paused_at
    assert explorer.errors == []


def test_play_stops_by_itself_on_the_last_step(explorer: Explorer) -> None:
    explorer.fresh("lang=en&preset=exercise&step=upd:W1")
    explorer.by_testid("speed").select_option("4")
    play = explorer.by_testid("play")

    play.click()
    expect(play).to_have_attribute("aria-pressed", "true")

    explorer.expect_step("upd:W3")
    expect(play).to_have_attribute("aria-pressed", "false", timeout=5000)
    expect(explorer.by_testid("next-iteration")).to_have_class("btn primary ready")
    assert explorer.errors == []


def test_timeline_click_jumps_and_marks_the_steps_before_as_done(explorer: Explorer, api: Api) -> None:
    steps = api.preset_trace("exercise")["steps"]
    target = next(i for i, step in enumerate(steps) if step["id"] == "bwd:dL/dW2")
    explorer.fresh()

    explorer.mark("bwd:dL/dW2").click()

    explorer.expect_step("bwd:dL/dW2")
    explorer.expect_counter(counter(target + 1))
    expect(explorer.mark("bwd:dL/dW2")).to_have_attribute("aria-current", "step")
    done = explorer.page.locator("#timeline .mark.done")
    expect(done).to_have_count(target)
    assert [mark.get_attribute("data-step-id") for mark in done.all()] == [s["id"] for s in steps[:target]]
    assert explorer.page.locator("#timeline .mark[aria-current]").count() == 1
    assert explorer.errors == []


def test_dragging_along_the_timeline_scrubs_through_the_steps(explorer: Explorer) -> None:
    explorer.fresh()
    start = explorer.mark("fwd:H1").bounding_box()
    end = explorer.mark("upd:W1").bounding_box()
    assert start is not None and end is not None
    mouse = explorer.page.mouse

    mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    mouse.down()
    mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=12)
    explorer.expect_step("upd:W1")  # still holding the button: the panel follows the pointer
    mouse.up()

    expect(explorer.mark("upd:W1")).to_have_attribute("aria-current", "step")
    assert explorer.errors == []


def test_merging_d_skips_the_first_sub_steps_and_shows_the_one_line_formula(explorer: Explorer, api: Api) -> None:
    steps = {step["id"]: step for step in api.preset_trace("exercise")["steps"]}
    explorer.fresh()
    marks = explorer.page.locator("#timeline .mark")
    expect(marks).to_have_count(EXERCISE_STEPS)

    explorer.by_testid("merge-d").check()

    expect(marks).to_have_count(MERGED_STEPS)
    explorer.expect_counter(counter(1, MERGED_STEPS))
    assert explorer.mark("bwd:dL/dO2").count() == 0 and explorer.mark("bwd:dL/dO1").count() == 0
    explorer.go_to("bwd:dL/dH2")
    assert explorer.tex_source("formula") == steps["bwd:dL/dH2"]["merged_latex"]
    expect(explorer.by_testid("shapes")).to_have_text(steps["bwd:dL/dH2"]["merged_shapes"])
    explorer.page.keyboard.press("End")
    explorer.expect_counter(counter(MERGED_STEPS, MERGED_STEPS))

    explorer.by_testid("merge-d").uncheck()

    expect(marks).to_have_count(EXERCISE_STEPS)
    explorer.go_to("bwd:dL/dH2")
    assert explorer.tex_source("formula") == (steps["bwd:dL/dH2"]["latex_shaped"] or steps["bwd:dL/dH2"]["latex"])
    assert explorer.errors == []


def _point_on(explorer: Explorer, selector: str) -> dict[str, float]:
    """A point on the element where it is the topmost element (lines cross at their midpoints)."""
    point = explorer.page.evaluate(
        """selector => {
            const line = document.querySelector(selector);
            const m = line.getScreenCTM();
            const [x1, y1, x2, y2] = ["x1", "y1", "x2", "y2"].map((a) => line[a].baseVal.value);
            for (const f of [0.3, 0.7, 0.2, 0.8, 0.4, 0.6]) {
                const p = new DOMPoint(x1 + f * (x2 - x1), y1 + f * (y2 - y1)).matrixTransform(m);
                if (document.elementFromPoint(p.x, p.y) === line) return { x: p.x, y: p.y };
            }
            return null;
        }""",
        selector,
    )
    assert point is not None, f"{selector} is hidden under other elements everywhere along it"
    return point


def test_hovering_a_weight_edge_lights_its_matrix_cell_and_back(explorer: Explorer) -> None:
    explorer.fresh()
    explorer.go_to("fwd:H2")  # W2 is an input of this step
    edge = "#neuron-view [data-weight='2,1,2']"
    explorer.page.locator(edge).scroll_into_view_if_needed()

    point = _point_on(explorer, edge)
    explorer.page.mouse.move(point["x"], point["y"])

    lit = explorer.page.locator("#step-panel td.is-hover")
    expect(lit).to_have_count(1)
    expect(lit).to_have_attribute("data-matrix-id", "W2")
    assert (lit.get_attribute("data-row"), lit.get_attribute("data-col")) == ("0", "1")

    explorer.page.locator("#step-panel td[data-matrix-id='W2'][data-row='1'][data-col='0']").hover()

    expect(explorer.page.locator("#neuron-view [data-weight='2,2,1']")).to_have_class("nv-edge is-hovered")
    expect(explorer.page.locator("#neuron-view .nv-edge.is-hovered")).to_have_count(1)
    expect(explorer.page.locator("#matrix-graph .mg-node.is-hovered")).to_have_attribute("data-node-id", "W2")
    assert explorer.errors == []


def test_next_iteration_starts_from_the_updated_weights(explorer: Explorer, api: Api) -> None:
    request = api.presets()["exercise"]["request"]
    first = api.trace(request)
    second = api.trace({**request, "weights": first["updated"]["W"]})
    explorer.fresh()
    expect(explorer.by_testid("iteration")).to_have_text("Iteration 1")
    expect(explorer.page.locator("[data-testid=loss-chart] .loss-dot")).to_have_count(1)
    explorer.page.keyboard.press("End")
    explorer.expect_step("upd:W3")

    explorer.by_testid("next-iteration").click()

    expect(explorer.by_testid("iteration")).to_have_text("Iteration 2")
    explorer.expect_step("fwd:H1")
    expect(explorer.page.locator("[data-testid=loss-chart] .loss-dot")).to_have_count(2)
    w1 = explorer.table_texts("W1")
    assert w1 is not None
    for r, row in enumerate(first["updated"]["W"][0]):
        for c, value in enumerate(row):
            assert close_at(shown_number(w1[r][c]), value, 3), f"W1[{r}][{c}] = {w1[r][c]}, updated {value}"
    h1 = explorer.table_texts("H1")
    assert h1 is not None
    assert [[close_at(shown_number(t), v, 3) for t, v in zip(row, exp, strict=True)]
            for row, exp in zip(h1, resolve_matrix(second, "H1"), strict=True)] == [[True, True]] * 4
    assert second["forward"]["loss"] < first["forward"]["loss"]  # the chart's second point is lower
    assert explorer.errors == []


def test_editor_names_the_field_of_a_bad_x(explorer: Explorer) -> None:
    explorer.fresh()
    explorer.page.locator("#editor summary").click()
    error = explorer.by_testid("editor-error-X")

    explorer.by_testid("editor-X").fill("0 1\n1 zero\n1 1\n2 1")
    explorer.by_testid("editor-apply").click()
    expect(error).to_have_text("Line 2: “zero” is not a number.")

    explorer.by_testid("editor-X").fill("0 1 5\n1 0 5\n1 1 5\n2 1 5")  # 3 columns for 2 inputs
    expect(error).to_have_text("3 columns, but the input layer has 2 neurons.")  # checked again as one types
    explorer.by_testid("editor-apply").click()
    expect(error).to_have_text("3 columns, but the input layer has 2 neurons.")
    explorer.expect_step("fwd:H1")  # the loaded network stays
    expect(explorer.by_testid("error")).to_be_hidden()  # the editor shows its errors itself
    assert explorer.errors == []


def test_editor_applies_a_new_layer_list(explorer: Explorer, api: Api) -> None:
    explorer.fresh()
    explorer.page.locator("#editor summary").click()

    explorer.by_testid("editor-layers").fill("2, 3, 1")
    activations = [explorer.by_testid(f"editor-activation-{k}").input_value() for k in (1, 2)]
    explorer.by_testid("editor-apply").click()

    request = {**api.presets()["exercise"]["request"], "layers": [2, 3, 1], "activations": activations}
    request.pop("weights")
    trace = api.trace(request)
    explorer.expect_counter(counter(1, len(trace["steps"])))
    expect(explorer.page.locator("#neuron-view .nv-neuron")).to_have_count(2 + 3 + 1)
    expect(explorer.page.locator("#neuron-view [data-weight]")).to_have_count(2 * 3 + 3 * 1)
    expect(explorer.page.locator("#matrix-graph [data-node-id]")).to_have_count(len(trace["graph"]["nodes"]))
    expect(explorer.page.locator("#step-panel table[data-matrix-id='W1'] caption .matrix-shape")).to_have_text("[2×3]")
    expect(explorer.by_testid("editor-errors")).to_be_empty()
    assert explorer.errors == []
