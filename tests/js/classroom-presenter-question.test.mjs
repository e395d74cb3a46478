// The presenter's bar holds the room's question: once revealed, the server closes it when the teacher moves on
// (handlers._close_revealed), and the teacher's own page drops it then too. It used to keep the revealed tally
// ("Revealed: 0 of 0 right.") after the students' bars and the room had dropped it. Run: node --test tests/js/
import { test } from "node:test";
import assert from "node:assert/strict";
import { Classroom } from "../../static/js/classroom/classroom.js";
import { useClassProtocol } from "../../static/js/classroom/protocol.js";

function presenter() {
  const room = new Classroom({ onCommand() {}, subscribe() {}, dispatch() {}, get: () => ({}) });
  room.role = "presenter";
  room.code = "ABC234";
  room.state.mode = "presenter";
  room.send = () => true;
  return room;
}

const question = { id: "q1", kind: "value", target: { stepId: "fwd:H1", matrix: "H1", row: 0, col: 0 }, decimals: 3 };
const step = { type: "step", stepId: "fwd:O1" };

test("a revealed question leaves the presenter's bar when the teacher moves on", () => {
  useClassProtocol({ max_command_bytes: 1024 });
  const room = presenter();
  room.set({ question, tally: { question_id: "q1", answers: 0 } });
  room.questions.revealed({ question_id: "q1", expected: -0.79, tally: { answers: 0, right: 0 } });
  assert.equal(room.state.question.expected, -0.79);

  room.presenter.heard({ command: step, origin: "local" });
  assert.equal(room.state.question, null);
  assert.equal(room.state.reveal, null);
  assert.equal(room.state.tally, null);
});

test("an open question stays while the teacher moves on: the students are still answering", () => {
  useClassProtocol({ max_command_bytes: 1024 });
  const room = presenter();
  room.set({ question, tally: { question_id: "q1", answers: 2 } });
  room.presenter.heard({ command: step, origin: "local" });
  assert.equal(room.state.question.id, "q1");
  assert.equal(room.state.tally.answers, 2);
});

test("after End the presenter's page asks the ended room for no list of students (it answered 404)", async () => {
  useClassProtocol({ paths: { students: "/api/class/rooms/{code}/students" } });
  const asked = [];
  globalThis.fetch = async (url) => {
    asked.push(String(url));
    return new Response(JSON.stringify({ students: [] }), { headers: { "Content-Type": "application/json" } });
  };
  const room = presenter();
  room.state.variants = "exercise";
  room.role = null; // the class was ended (Classroom.stop) while a roster fetch was due (rosterSoon's timer)
  room.state.mode = "solo";
  await room.presenter.loadRoster();
  assert.deepEqual(asked, []);
});
