// A student's own numbers stop at the server's bound (the class protocol's max_iteration): past it the page says so
// plainly and shows the teacher's numbers, without asking the server (which would refuse). Run: node --test tests/js/
import { test } from "node:test";
import assert from "node:assert/strict";
import { Classroom } from "../../static/js/classroom/classroom.js";
import { ownNumbersAt } from "../../static/js/classroom/own-numbers.js";
import { useClassProtocol } from "../../static/js/classroom/protocol.js";

function student() {
  const room = new Classroom({ onCommand() {}, subscribe() {}, dispatch() {}, get: () => ({}) });
  room.role = "student";
  room.code = "ABC234";
  room.studentId = "s".repeat(43);
  room.state.variants = "exercise";
  return room;
}

test("past max_iteration a student's page says its own numbers stop there and asks the server nothing", async () => {
  useClassProtocol({ questions: { max_iteration: 10 }, paths: { numbers: "/api/class/rooms/{code}/numbers" } });
  const asked = [];
  globalThis.fetch = async (url) => {
    asked.push(String(url));
    return new Response(JSON.stringify({ label: "S1", place: 1, request: { X: [[1]] }, loss_history: [] }),
      { headers: { "Content-Type": "application/json" } });
  };
  const room = student();
  const shared = { presetId: "exercise", iteration: 11, request: { X: [[0]] } };

  const past = await room.ownNumbers.shownState(shared);
  assert.equal(past.state, shared);
  assert.equal(past.ownNumbers, null);
  assert.deepEqual(room.state.problem, { key: "class.ownTooFar", params: { max: 10 } });
  assert.deepEqual(asked, []);

  const within = await room.ownNumbers.shownState({ ...shared, iteration: 10 });
  assert.equal(within.ownNumbers, "S1");
  assert.equal(asked.length, 1);
});

test("own numbers are a student's, in variants mode, on the room's preset, up to max_iteration, per iteration", () => {
  const shared = { presetId: "exercise", iteration: 3 };
  const student = { role: "student", preset: "exercise", maxIteration: 10 };
  assert.deepEqual(ownNumbersAt(shared, student), { key: "exercise:3", iteration: 3 });
  assert.deepEqual(ownNumbersAt({ presetId: "exercise" }, student), { key: "exercise:0", iteration: 0 });
  assert.deepEqual(ownNumbersAt({ ...shared, iteration: 11 }, student), { tooFar: 10 });
  assert.equal(ownNumbersAt(shared, { ...student, role: "presenter" }), null);
  assert.equal(ownNumbersAt(shared, { ...student, preset: null }), null);
  assert.equal(ownNumbersAt({ ...shared, presetId: "xor" }, student), null);
});
