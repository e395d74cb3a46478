// The presenter's state uploads (presenter.js) on a real Classroom: what the page counts of the room's log, and a
// command the room refused `state_required`. fetch is a fake that records each PUT. Run: node --test tests/js/
import { test, afterEach } from "node:test";
import assert from "node:assert/strict";
import { Classroom } from "../../static/js/classroom/classroom.js";
import { receive } from "../../static/js/classroom/frames.js";
import { useClassProtocol } from "../../static/js/classroom/protocol.js";

useClassProtocol({ questions: { max_iteration: 10, max_name_chars: 40 }, paths: { state: "/state/{code}" },
  max_command_bytes: 1024, state_debounce_ms: 1000 });

const STEP = { type: "select", target: null };
let rooms = [];
afterEach(() => rooms.forEach((room) => clearTimeout(room.presenter.debounce)));

/** A presenter's Classroom whose page shows step `stepId`; `puts`: the states it uploaded, `sent`: its messages. */
function presenter() {
  const puts = [];
  globalThis.fetch = async (url, init) => {
    puts.push(JSON.parse(init.body));
    return new Response(JSON.stringify({ seq: 99 }), { status: 200, headers: { "Content-Type": "application/json" } });
  };
  const page = { request: { preset: "exercise" }, stepId: "fwd:O1", view: {} };
  const room = new Classroom({ onCommand() {}, subscribe() {}, dispatch() {}, get: () => page });
  const sent = [];
  room.connection = { send: (message) => sent.push(message) > 0, stop() {} };
  Object.assign(room, { role: "presenter", code: "ABC234", token: "t0ken" });
  room.state.mode = "presenter";
  rooms.push(room);
  return { room, puts, sent, page };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

test("a reloaded presenter counts the room's log from its welcome's since_state, not from 0", async () => {
  const { room, puts, sent } = presenter();
  receive(room, { type: "welcome", epoch: "e1", seq: 7, state_every: 4, since_state: 3 });
  room.presenter.heard({ command: STEP, origin: "local" });
  receive(room, { type: "ack", id: sent[0].id, seq: 8 }); // the upload waits for the command before it
  await settle();
  assert.equal(puts.length, 1); // the 4th entry since the room's last state: the page uploads its own now
  assert.equal(room.presenter.sinceUpload, 0);
});

test("the room's other log frames (the lock, questions) count too, each seq once", async () => {
  const { room, puts } = presenter();
  receive(room, { type: "welcome", epoch: "e1", seq: 2, state_every: 4, since_state: 0 });
  receive(room, { type: "lock", seq: 2, locked: true }); // in the welcome's count already
  for (const seq of [3, 4, 5]) receive(room, { type: "lock", seq, locked: seq % 2 === 0 });
  await settle();
  assert.equal(puts.length, 0);
  receive(room, { type: "projector", seq: 6, projector: true });
  await settle();
  assert.equal(puts.length, 1);
});

test("a command refused state_required is not sent again: the upload after it carries it, and nothing is said", async () => {
  const { room, puts, sent, page } = presenter();
  receive(room, { type: "welcome", epoch: "e1", seq: 2, state_every: 100, since_state: 0 });
  room.presenter.heard({ command: STEP, origin: "local" });
  const [{ id }] = sent;
  receive(room, { type: "error", code: "state_required", message: "upload the page's shared state first", id });
  await settle();
  assert.equal(puts.length, 1);
  assert.equal(puts[0].stepId, page.stepId); // the page applied the command before sending it
  assert.deepEqual(sent.map((message) => message.type), ["command"]);
  assert.equal(room.state.problem, null);
  assert.equal(room.presenter.unacked.size, 0);
});

test("a question asked while an upload is in flight goes after the step held for that upload", async () => {
  // The ask used to go out at once, ahead of the step it is about: the room heard the question, then the step,
  // and closed the question the students had just been shown.
  const { room, puts, sent } = presenter();
  receive(room, { type: "welcome", epoch: "e1", seq: 2, state_every: 100, since_state: 0 });
  room.presenter.upload();
  room.presenter.heard({ command: STEP, origin: "local" });
  room.questions.ask({ kind: "sign", step: "fwd:H1", matrix: "H1", row: 0, col: 0 });
  room.presenter.setLocked(true);
  assert.deepEqual(sent.map((message) => message.type), []);
  await settle();
  await settle();
  assert.equal(puts.length, 1);
  assert.deepEqual(sent.map((message) => message.type), ["command", "ask", "lock"]);
});
