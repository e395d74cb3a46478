/**
 * Following the room: the ordered frames, applied once each, in seq order, with the same store.dispatch as
 * the teacher's page (origin "class", so nothing here is taken for the page's own action). A `state` frame
 * (and every snapshot) fetches the room's shared state over HTTP (ETag) and applies it with one `restore`;
 * the small commands after it are replayed. Followers never retrain: a training arrives as its result.
 * While the student explores, frames are counted but the explorer is left alone; following again takes a
 * snapshot. The room's own frames (lock, projector, variants, question, reveal) go to the class state. With
 * each student their own numbers (variants), a student's page shows the room's state with its own request
 * (OwnNumbers.shownState, ./own-numbers.js): the step, view options and iteration stay the teacher's.
 */
import { restoreCommand } from "../store/commands.js";
import { fetchState } from "./api.js";

/** What a follower does with each ordered frame (the room's log), in seq order. */
export const ORDERED_FRAMES = {
  command: (follower, frame) => follower.applyToStore() && follower.store.dispatch(frame.command, { origin: "class" }),
  state: (follower, frame) => follower.restoreRoomState(frame.seq),
  lock: (follower, frame) => follower.room.set({ locked: Boolean(frame.locked) }),
  projector: (follower, frame) => follower.room.set({ projector: Boolean(frame.projector) }),
  variants: (follower, frame) => follower.room.ownNumbers.modeChanged(frame.preset),
  question: (follower, frame) => follower.room.questions.asked(frame.question),
  reveal: (follower, frame) => follower.room.questions.revealed(frame),
  ended: (follower, frame) => follower.room.ended(frame.reason),
};

export class Follower {
  /** `room` is the Classroom: its `code`, `state`, `set(patch)`, `send(message)`, `questions` and `ownNumbers`. */
  constructor(room, store) {
    this.room = room;
    this.store = store;
    this.epoch = null;
    this.lastSeq = 0;
    this.known = null; // the room state this page has: {seq, state, etag}
    this.queue = Promise.resolve();
    this.applyToStore = () => room.state.mode === "following";
  }

  reset() {
    this.lastSeq = 0;
    this.known = null;
  }

  enqueue(task) {
    this.queue = this.queue.then(task).catch((error) => console.warn("class frame not applied:", error));
    return this.queue;
  }

  /** An ordered frame: applied once, in order; a gap asks for the missing ones. */
  ordered(frame) {
    return this.enqueue(async () => {
      if (frame.seq <= this.lastSeq) return;
      if (frame.seq > this.lastSeq + 1) {
        this.room.send({ type: "resync", epoch: this.epoch, last_seq: this.lastSeq });
        return;
      }
      this.lastSeq = frame.seq;
      await this.apply(frame);
    });
  }

  async apply(frame) {
    if (frame.type === "command" || frame.type === "state") this.room.questions.movedOn();
    await ORDERED_FRAMES[frame.type]?.(this, frame);
  }

  /** The room's state as of `seq` (a newer one if the presenter uploaded again meanwhile), applied. */
  async restoreRoomState(seq) {
    if (!this.applyToStore()) return;
    const fetched = await fetchState(this.room.code, this.known);
    if (fetched?.state === null || fetched === null) return;
    this.known = fetched;
    if (fetched.seq > this.lastSeq) this.lastSeq = fetched.seq; // newer: the frames up to it are in it
    if (fetched.seq < seq) return; // the room is gone or restarted; the next beat resyncs
    const shown = await this.room.ownNumbers.shownState(fetched.state);
    const own = shown.ownNumbers ? { ownNumbers: shown.ownNumbers } : {};
    await this.store.dispatch(restoreCommand(shown.state, { reason: "restore", ...own }), { origin: "class" });
  }

  /** Everything the room is now: its state, the frames after it, its flags, question and pointer. */
  snapshot(frame) {
    return this.enqueue(async () => {
      this.epoch = frame.epoch;
      this.room.set({ locked: Boolean(frame.locked), projector: Boolean(frame.projector) });
      this.room.ownNumbers.modeChanged(frame.variants ?? null); // before the state is restored: its numbers follow it
      this.room.questions.restored(frame.question);
      this.lastSeq = frame.state_seq;
      if (frame.state_seq > 0) await this.restoreRoomState(frame.state_seq);
      for (const entry of frame.entries ?? []) {
        if (entry.seq <= this.lastSeq) continue;
        this.lastSeq = entry.seq;
        // The snapshot's `variants` is the room's present, set above before its state was restored: replaying
        // an older switch would show a state restored after it on the wrong numbers.
        if (entry.type !== "variants") await this.apply(entry);
      }
      this.lastSeq = Math.max(this.lastSeq, frame.seq);
      if (frame.pointer !== undefined) this.pointed(frame.pointer);
    });
  }

  /** A heartbeat: the room is further than this page (a frame was lost): ask for what is missing. */
  beat(frame) {
    if (frame.epoch === this.epoch && frame.seq > this.lastSeq) {
      this.room.send({ type: "resync", epoch: this.epoch, last_seq: this.lastSeq });
    }
  }

  pointed(pointer) {
    if (this.applyToStore()) this.store.dispatch({ type: "hover", target: pointer ?? null }, { origin: "class" });
  }
}
