// The command path (static/js/store/state.js, commands.js): every command applies first and notifies after, with the
// shared state it led to; a load notifies when its trace is in the store; loads stay small.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createStore } from "../../static/js/store/state.js";
import { commandError, isShared, COMMANDS } from "../../static/js/store/commands.js";
import { nextIteration, editCell, choosePreset, restoreState, trainEpochs } from "../../static/js/store/actions.js";
import { sharedState } from "../../static/js/store/state.js";
import { CORE, fakeApi } from "./helpers.mjs";

const REQUEST = { loss: 0.5, weights: [[[1, 2], [3, 4]]], X: [[0, 1]], y: [[1]] };

function recorder(store) {
  const heard = [];
  store.onCommand((event) => heard.push({ ...event, stateNow: store.get() }));
  return heard;
}

async function loadedStore(request = REQUEST) {
  const api = fakeApi();
  const store = createStore(CORE);
  await store.dispatch({ type: "load", request, presetId: "exercise" });
  api.restore();
  return store;
}

test("a synchronous command notifies after it applied, with the shared state it led to and its origin", async () => {
  const api = fakeApi();
  try {
    const store = await loadedStore();
    const heard = recorder(store);
    const done = store.dispatch({ type: "step", stepId: "fwd:O1" }, { origin: "class" });
    assert.equal(heard.length, 1, "notified before dispatch returned");
    assert.deepEqual(heard[0].command, { type: "step", stepId: "fwd:O1" });
    assert.equal(heard[0].origin, "class");
    assert.equal(heard[0].shared.stepId, "fwd:O1"); // the state after, not before
    assert.equal(heard[0].stateNow.stepIndex, 1);
    assert.ok(done instanceof Promise);
    assert.deepEqual(await done, { ok: true });
    store.dispatch({ type: "options", options: { predictFirst: true } });
    assert.equal(heard[1].origin, "local");
    assert.equal(heard[1].shared.view.predictFirst, true);
  } finally {
    api.restore();
  }
});

test("a load notifies once its trace is in the store, not when it is dispatched", async () => {
  const api = fakeApi({ hold: () => true });
  try {
    const store = createStore(CORE);
    const heard = recorder(store);
    const done = store.dispatch({ type: "load", request: REQUEST, presetId: "xor", stepId: "fwd:O1" });
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(heard.length, 0, "nothing heard while the trace is on its way");
    assert.equal(store.get().status.loading, true);
    api.release();
    assert.deepEqual(await done, { ok: true });
    assert.equal(heard.length, 1);
    assert.equal(heard[0].shared.presetId, "xor");
    assert.equal(heard[0].shared.stepId, "fwd:O1");
    assert.deepEqual(heard[0].shared.lossHistory, [{ iteration: 0, loss: 0.5 }]);
    assert.ok(heard[0].stateNow.trace, "the trace is in the store when listeners hear the load");
  } finally {
    api.restore();
  }
});

test("a superseded load notifies nothing: the quicker later load wins", async () => {
  const slow = { ...REQUEST, loss: 9 };
  const api = fakeApi({ hold: (body) => body.loss === 9 });
  try {
    const store = createStore(CORE);
    const heard = recorder(store);
    const first = store.dispatch({ type: "load", request: slow, presetId: "slow" });
    const second = store.dispatch({ type: "load", request: REQUEST, presetId: "quick" });
    assert.deepEqual(await second, { ok: true });
    api.release();
    assert.deepEqual(await first, { ok: false, stale: true, problems: [] });
    assert.deepEqual(heard.map((h) => h.shared.presetId), ["quick"]);
    assert.equal(store.get().presetId, "quick");
  } finally {
    api.restore();
  }
});

test("a failed load notifies nothing and leaves the shared state as it was", async () => {
  const store = await loadedStore();
  const api = fakeApi({ failing: () => true });
  try {
    const heard = recorder(store);
    const result = await store.dispatch({ type: "load", request: { ...REQUEST, loss: 2 } });
    assert.equal(result.ok, false);
    assert.equal(result.problems[0].field, "X");
    assert.equal(heard.length, 0);
    assert.equal(store.get().request, REQUEST);
    assert.equal(store.get().status.error[0].message, "X is wrong");
  } finally {
    api.restore();
  }
});

test("a wrong command throws at once, naming the field and the rule", () => {
  const store = createStore(CORE);
  assert.throws(() => store.dispatch({ type: "options", options: { decimals: 9 } }),
    { name: "TypeError", message: "options: options.decimals must be a whole number from 0 to 6, not 9" });
  assert.equal(commandError({ type: "nope" }, CORE), 'unknown command type "nope"');
  assert.equal(commandError({ type: "load" }, CORE), "load: request is required");
  assert.equal(commandError({ type: "options", options: { colour: 1 } }, CORE),
    "options: options.colour is not one of mergeD, decimals, showAllRows, dataAfter, predictFirst");
  assert.match(commandError({ type: "restore", state: { iteration: 1 } }, CORE), /state\.request is required/);
  assert.match(commandError({ type: "restore", state: { request: {}, view: { decimals: -1 } } }, CORE), /state\.view\.decimals must be/);
  assert.equal(commandError({ type: "step", stepId: "fwd:H1" }, CORE), null);
});

test("shared and local commands are told apart; only restore carries a whole state", () => {
  for (const type of ["load", "restore", "step", "options", "select"]) assert.equal(isShared({ type }), true, type);
  for (const type of ["hover", "play", "speed", "lang", "presets", "status", "draft", "handcalc", "gradcheck"]) {
    assert.equal(isShared({ type }), false, type);
  }
  assert.deepEqual(Object.keys(COMMANDS).filter((type) => COMMANDS[type].whole), ["restore"]);
});

test("next iteration and a cell edit send a small load: the history continues in the store, not in the command", async () => {
  const store = await loadedStore();
  const api = fakeApi();
  try {
    const heard = recorder(store);
    await nextIteration(store);
    await nextIteration(store);
    await editCell(store, { matrix: "X", row: 0, col: 0, value: 3 });
    for (const { command } of heard) {
      assert.equal(command.type, "load");
      assert.equal(command.continues, true);
      assert.ok(!("lossHistory" in command) && !("training" in command), JSON.stringify(command));
    }
    assert.deepEqual(store.get().lossHistory.map((p) => p.iteration), [0, 1, 2]);
    assert.equal(store.get().iteration, 2);
    // a follower applying the same commands reaches the same shared state
    const follower = await loadedStore();
    const replay = fakeApi();
    for (const { command } of heard) await follower.dispatch(command, { origin: "class" });
    replay.restore();
    assert.deepEqual(heard.at(-1).shared, sharedState(follower.get()));
  } finally {
    api.restore();
  }
});

test("a preset starts the history anew; restore shows a complete shared state exactly", async () => {
  const store = await loadedStore();
  const api = fakeApi();
  try {
    store.dispatch({ type: "presets", presets: [{ id: "xor", request: { ...REQUEST, loss: 0.25 } }] });
    await nextIteration(store);
    await choosePreset(store, "xor");
    assert.deepEqual(store.get().lossHistory, [{ iteration: 0, loss: 0.25 }]);
    const training = { epochs: 2, from: 3, lossHistory: [1, 0.9, 0.8] };
    const shared = {
      request: REQUEST, presetId: null, iteration: 5, stepId: "bwd:dL/dW1",
      lossHistory: [{ iteration: 0, loss: 1 }, { iteration: 5, loss: 7 }], training,
      view: { mergeD: true, decimals: 4, showAllRows: true, dataAfter: false, predictFirst: true, selected: { matrix: "W1", row: 0, col: 1 } },
    };
    const heard = recorder(store);
    await restoreState(store, shared, ["from a link"], { origin: "link" });
    assert.equal(heard[0].command.type, "restore");
    assert.equal(heard[0].origin, "link");
    assert.deepEqual(heard[0].shared, { ...shared, lossHistory: [{ iteration: 0, loss: 1 }, { iteration: 5, loss: 0.5 }] });
    assert.deepEqual(store.get().status.warnings, ["from a link"]);
  } finally {
    api.restore();
  }
});

test("a training ends in one restore of the state it reached; the commands after it do not grow with the run", async () => {
  const sizes = {};
  for (const epochs of [10, 1000]) {
    const store = await loadedStore();
    const api = fakeApi();
    try {
      const heard = recorder(store);
      await trainEpochs(store, epochs);
      await trainEpochs(store, epochs);
      await nextIteration(store);
      const shared = heard.filter(({ command }) => isShared(command));
      assert.deepEqual(shared.map(({ command }) => `${command.type}:${command.reason}`), ["restore:train", "restore:train", "load:next"]);
      const [first, second] = shared;
      assert.equal(first.command.state.training.lossHistory.length, epochs + 1);
      assert.equal(first.shared.iteration, epochs);
      assert.equal(second.shared.iteration, 2 * epochs);
      // the first run's curve is folded into the history when the second one ends
      assert.equal(second.shared.lossHistory.length, epochs + 2);
      sizes[epochs] = JSON.stringify({ ...shared[2].command, iteration: 0 }).length; // but the iteration's digits
      // a follower that applies the restore (never retraining) and the load is where the presenter is
      const follower = createStore(CORE);
      for (const { command } of shared.slice(1)) await follower.dispatch(command, { origin: "class" });
      assert.deepEqual(sharedState(follower.get()), shared[2].shared);
      assert.equal(api.calls.filter((c) => c.url === "/api/train").length, 2 * 10); // the follower trained nothing
    } finally {
      api.restore();
    }
  }
  assert.equal(sizes[10], sizes[1000], "the next iteration's load is the same size after 10 or 1,000 epochs");
});
