// The room's frames to their handlers (frames.js) and a student's own actions (student.js), on a real Classroom
// with a fake store and a fake connection that records what the page sends. Run: node --test tests/js/
import { test } from "node:test";
import assert from "node:assert/strict";
import { Classroom } from "../../static/js/classroom/classroom.js";
import { receive } from "../../static/js/classroom/frames.js";
import { useClassProtocol } from "../../static/js/classroom/protocol.js";

useClassProtocol({ questions: { max_iteration: 10, max_name_chars: 40 }, paths: {} });

function classroom(role) {
  const dispatched = [];
  const room = new Classroom({ onCommand() {}, subscribe() {}, dispatch: (command) => dispatched.push(command), get: () => ({}) });
  const sent = [];
  room.connection = { send: (message) => sent.push(message) > 0, stop() {} };
  room.role = role;
  room.code = "ABC234";
  return { room, sent, dispatched };
}

test("a student's welcome keeps its place and the room's name, and tells an exploring page's mode again", () => {
  const { room, sent } = classroom("student");
  room.state.mode = "exploring";
  receive(room, { type: "welcome", epoch: "e1", student_id: "s1", name: "Ann" });
  assert.equal(room.studentId, "s1");
  assert.equal(room.name, "Ann");
  assert.equal(room.follower.epoch, "e1");
  assert.deepEqual([room.state.connection, room.state.name], ["live", "Ann"]);
  assert.deepEqual(sent, [{ type: "mode", exploring: true }]);
});

test("a refusal naming the class as ended ends it for a student; an ack clears the server's last complaint", () => {
  const { room, dispatched } = classroom("student");
  receive(room, { type: "error", code: "bad_message", message: "no" });
  assert.equal(room.state.problem.key, "class.serverSaid");
  receive(room, { type: "ack" });
  assert.equal(room.state.problem, null);
  receive(room, { type: "error", code: "class_ended", message: "gone" });
  assert.deepEqual([room.state.mode, room.state.ended], ["ended", "class.endedRestart"]);
  assert.deepEqual(dispatched, [{ type: "editsOff", editsOff: null }]);
});

test("the room's own ordered frames (seq) go to the follower in order; a gap asks for the missing ones", async () => {
  const { room, sent } = classroom("student");
  room.follower.epoch = "e1";
  receive(room, { type: "lock", seq: 1, locked: true });
  receive(room, { type: "projector", seq: 3, projector: true });
  await room.follower.queue;
  assert.equal(room.state.locked, true);
  assert.equal(room.state.projector, false);
  assert.deepEqual(sent, [{ type: "resync", epoch: "e1", last_seq: 1 }]);
});

test("Redis back: a student asks for what it missed; the room's progress reaches students only", () => {
  const { room, sent } = classroom("student");
  Object.assign(room.follower, { epoch: "e1", lastSeq: 4 });
  receive(room, { type: "paused" });
  assert.equal(room.state.connection, "paused");
  receive(room, { type: "resumed" });
  assert.deepEqual(sent, [{ type: "resync", epoch: "e1", last_seq: 4 }]);
  receive(room, { type: "progress", training: { epoch: 1, epochs: 5, loss: 0.5 } });
  assert.deepEqual(room.state.training, { epoch: 1, epochs: 5, loss: 0.5 });
  const presenter = classroom("presenter").room;
  receive(presenter, { type: "progress", training: { epoch: 1, epochs: 5, loss: 0.5 } });
  assert.equal(presenter.state.training, null);
});

test("a following student's own click explores; with the class locked it goes back to the teacher's view", () => {
  const { room, sent } = classroom("student");
  room.state.mode = "following";
  room.heard({ command: { type: "select", target: null }, origin: "class" }); // the room's own: nothing
  room.heard({ command: { type: "hover", target: null }, origin: "local" }); // not shared: nothing
  assert.deepEqual(sent, []);
  room.heard({ command: { type: "select", target: null }, origin: "local" });
  assert.equal(room.state.mode, "exploring");
  assert.deepEqual(sent, [{ type: "mode", exploring: true }]);

  const locked = classroom("student");
  locked.room.state = { ...locked.room.state, mode: "following", locked: true };
  locked.room.heard({ command: { type: "select", target: null }, origin: "local" });
  assert.equal(locked.room.state.mode, "following");
  assert.deepEqual(locked.sent, [{ type: "resync", last_seq: 0 }]);
});
