// What a class page does when its socket closes: a refusal for a rate reconnects (later, saying so); only the
// contract's final closes end the class for the page, each with its words.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { afterClose, RATE_BACKOFF_STEPS, BUSY_BACKOFF_STEPS } from "../../static/js/classroom/close-policy.js";

// The contract's final closes as app/classroom/protocol.py defines them (Python owns the list).
const python = new URL("../../.venv/bin/python", import.meta.url).pathname;
const FINAL = JSON.parse(execFileSync(python, ["-c",
  "import json; from app.classroom.protocol import FINAL_CLOSES; print(json.dumps(FINAL_CLOSES))"],
{ cwd: new URL("../..", import.meta.url).pathname, encoding: "utf8" }));

const close = (name, hadClass = true) => afterClose(name, { finalCloses: FINAL, hadClass });

test("a close for a rate reconnects with a longer back-off and says so; it never ends the class", () => {
  assert.deepEqual(close("rate_limited"), { retry: true, backoffFrom: RATE_BACKOFF_STEPS, problem: "class.rateRetry" });
  assert.deepEqual(close("rate_limited", false), close("rate_limited"));
});

test("a join the server's room store could not serve now (try_again, 1013) reconnects after a while, saying so", () => {
  assert.deepEqual(close("try_again"), { retry: true, backoffFrom: BUSY_BACKOFF_STEPS, problem: "class.busyRetry" });
  assert.deepEqual(close("try_again", false), close("try_again"));
});

test("a close that is not the application's (1006: a dropped network, a handshake refused with 403) reconnects", () => {
  assert.deepEqual(close(null), { retry: true, backoffFrom: 0, problem: null });
  assert.deepEqual(close("too_slow"), { retry: true, backoffFrom: 0, problem: null });
});

test("a class that ended, or is unknown, ends the page, with words for each", () => {
  assert.deepEqual(close("ended"), { retry: false, key: "class.endedRestart" });
  assert.deepEqual(close("unknown_class", true), { retry: false, key: "class.endedRestart" }); // a restart forgot it
  assert.deepEqual(close("unknown_class", false), { retry: false, key: "class.wrongCodeShort" });
  assert.deepEqual(close("replaced"), { retry: false, key: "class.replaced" });
  assert.deepEqual(close("room_full"), { retry: false, key: "class.refused" });
  assert.deepEqual(close("bad_token"), { retry: false, key: "class.refused" });
});
