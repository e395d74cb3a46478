// What the Node tests of the page's pure modules share: core options of their own (the page gets its own from
// app/pages.py core_options) and a stand-in for /api/trace, so no test needs a server or a document.
import { readFileSync } from "node:fs";

/** Core options as app/pages.py renders them (only what the pure modules read). */
export const CORE = Object.freeze({
  decimals: Object.freeze({ min: 0, max: 6, default: 3 }),
  variants: Object.freeze({ min_variant: 1, max_variant: 99_999, max_count: 200, presets: ["exercise", "xor"], version: 1 }),
});

/** The fixtures today's main page wrote (tests/js/fixtures/README.md). */
export function fixtures(name) {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"));
}

/** A small trace for a request: three steps, a loss that depends on the request, and its updated weights. */
export function fakeTrace(request) {
  const loss = Number(request.loss ?? 1);
  return {
    steps: [{ id: "fwd:H1" }, { id: "fwd:O1" }, { id: "bwd:dL/dW1" }],
    forward: { loss }, warnings: [], spec: { bias: false, weights: request.weights ?? [] },
    updated: { W: request.weights ?? [] },
  };
}

/** An /api/train answer: the same weights, a loss falling by 1 % an epoch from the request's loss. */
function fakeTraining({ epochs, ...request }) {
  const start = Number(request.loss ?? 1);
  const curve = Array.from({ length: epochs + 1 }, (_, epoch) => start * 0.99 ** epoch);
  return { weights: request.weights ?? [], biases: [], loss_history: curve, stopped_at: null };
}

/**
 * Replace fetch with a fake /api/trace and /api/train. `hold` (optional) decides per request body whether its answer waits:
 * it returns a function that releases it. `failing` bodies answer 422. Returns {calls, restore}.
 */
export function fakeApi({ hold = () => false, failing = () => false } = {}) {
  const original = globalThis.fetch;
  const calls = [];
  const release = [];
  globalThis.fetch = async (url, init) => {
    const body = JSON.parse(init.body);
    calls.push({ url, body });
    if (hold(body)) await new Promise((resolve) => release.push(resolve));
    if (url === "/api/train") return new Response(JSON.stringify(fakeTraining(body)), { status: 200 });
    if (failing(body)) {
      return new Response(JSON.stringify({ detail: [{ loc: ["body", "X"], msg: "X is wrong", type: "bad" }] }), { status: 422 });
    }
    return new Response(JSON.stringify(fakeTrace(body)), { status: 200 });
  };
  return { calls, release: () => release.splice(0).forEach((fn) => fn()), restore: () => { globalThis.fetch = original; } };
}

/** Web Storage's interface over a Map; `refuse`: every call throws, as in a private window that forbids it. */
export function fakeStorage({ refuse = false } = {}) {
  const items = new Map();
  const guard = (fn) => (...args) => {
    if (refuse) throw new Error("SecurityError");
    return fn(...args);
  };
  return { items, getItem: guard((key) => items.get(key) ?? null), setItem: guard((key, value) => items.set(key, String(value))),
    removeItem: guard((key) => items.delete(key)) };
}
