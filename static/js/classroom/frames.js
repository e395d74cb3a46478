/**
 * The room's frames as this page takes them (protocol: docs/contract.md, "Classroom protocol"). The ordered
 * frames (the room's log, with a seq) go to ./follower.js; every other frame the server sends is in FRAMES.
 * tests/classroom/test_contract.py checks both tables against app/classroom/protocol.py's SERVER_MESSAGES.
 * `room` is the Classroom: its role, state, set, send, follower, presenter, questions, student.
 */
import { ORDERED_FRAMES } from "./follower.js";
import { savePresenter } from "./saved-class.js";

/** What the page does with each frame that is not one of the ordered ones. */
export const FRAMES = {
  welcome: (room, frame) => welcomed(room, frame),
  snapshot: (room, frame) => snapshot(room, frame),
  beat: (room, frame) => room.role === "student" && room.follower.beat(frame),
  pointer: (room, frame) => room.role === "student" && room.follower.pointed(frame.pointer),
  progress: (room, frame) => room.set({ training: room.role === "student" ? frame.training : null }),
  presence: (room, frame) => {
    room.set({ students: frame.students, exploring: frame.exploring });
    if (room.role === "presenter" && room.state.variants) room.presenter.rosterSoon();
  },
  tally: (room, frame) => room.set({ tally: frame }),
  answered: (room, frame) => room.set({ answered: frame.question_id, problem: null }),
  result: (room, frame) => room.set({ result: frame }),
  paused: (room) => room.set({ connection: "paused" }),
  resumed: (room) => resumed(room),
  error: (room, frame) => refused(room, frame),
  ack: (room, frame) => acked(room, frame),
  pong: () => {},
};

/** A frame from the server, to its handler. */
export function receive(room, frame) {
  if (frame.seq !== undefined && frame.type in ORDERED_FRAMES) return ordered(room, frame);
  FRAMES[frame.type]?.(room, frame);
}

function welcomed(room, frame) {
  const sameEpoch = frame.epoch === room.follower.epoch;
  room.follower.epoch = frame.epoch;
  if (!sameEpoch) room.follower.reset();
  room.set({ connection: "live", problem: null });
  if (room.role === "student") {
    room.student.welcomed(frame);
    return;
  }
  savePresenter({ code: room.code, token: room.token, epoch: frame.epoch }); // a restart: "ended"
  room.presenter.welcomed(frame);
  // A reconnect (the page was in this room): the room takes where the page is now. A reload gets a
  // snapshot first and takes the room's state from it.
  if (sameEpoch && room.follower.lastSeq > 0) room.presenter.upload();
}

function snapshot(room, frame) {
  if (room.role === "presenter") {
    if (frame.state_seq === 0) {
      room.follower.snapshot({ ...frame, entries: [] });
      room.presenter.upload(); // a new room: it starts where this page is
      return;
    }
    room.catchingUp = true;
    room.follower.snapshot(frame).finally(() => { room.catchingUp = false; });
    return;
  }
  room.follower.snapshot(frame);
}

function ordered(room, frame) {
  if (room.role === "presenter" && (frame.type === "command" || frame.type === "state")) {
    room.follower.lastSeq = Math.max(room.follower.lastSeq, frame.seq); // its own, applied already
    return;
  }
  if (room.role === "presenter") room.presenter.logged(frame.seq);
  room.follower.ordered(frame);
}

function resumed(room) {
  room.set({ connection: "live", problem: null });
  // Redis is back: whatever happened meanwhile, catch up now rather than at the teacher's next click.
  if (room.role === "student") room.send({ type: "resync", epoch: room.follower.epoch, last_seq: room.follower.lastSeq });
  else room.presenter.upload();
}

function refused(room, frame) {
  if (frame.id !== undefined) room.presenter.settled(frame.id);
  if (frame.code === "class_ended") return room.end("class.endedRestart");
  if (frame.code === "state_required") return room.presenter.stateRequired();
  room.set({ problem: { key: "class.serverSaid", params: { message: frame.message } } });
}

function acked(room, frame) {
  if (frame.id !== undefined) room.presenter.settled(frame.id);
  room.questions.acked(frame);
  if (room.state.problem?.key === "class.serverSaid") room.set({ problem: null });
}
