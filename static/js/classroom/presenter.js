/**
 * The presenter's side: what the teacher's page does reaches the room. A small shared command (a step, an
 * option, a selection) goes as a `command` frame; a change of the request (a load, a restore, the end of a
 * training) or any command too big for a frame uploads the page's shared state (PUT …/state), and so does a
 * run of `state_every` small commands, debounced. Order is kept: an upload waits until every command before
 * it was acknowledged, and commands heard meanwhile wait for the upload. The hover is the class's pointer,
 * the training's progress goes out latest-wins, and the lock and the projector layout are room messages.
 */
import { isShared, COMMANDS } from "../store/commands.js";
import { sharedState } from "../store/state.js";
import { putState } from "./api.js";
import { classProtocol } from "./protocol.js";

const PROGRESS_INTERVAL_MS = 250; // the teacher's training progress, at most 4 times a second

export class Presenter {
  /** `room` is the Classroom (code, token, state, set, send, nextId). */
  constructor(room, store) {
    this.room = room;
    this.store = store;
    this.unacked = new Set(); // ids of commands sent and not yet acknowledged
    this.acksWaiting = [];
    this.uploading = null; // the upload in flight (a promise)
    this.held = []; // commands heard while uploading
    this.sinceUpload = 0;
    this.stateEvery = 100;
    this.debounce = null;
    this.pointerTimer = null;
    this.progressTimer = null;
    this.progressSentAt = 0;
  }

  active() {
    return this.room.role === "presenter" && this.room.state.mode === "presenter";
  }

  welcomed(frame) {
    this.stateEvery = frame.state_every ?? this.stateEvery;
    this.unacked.clear();
    this.release();
  }

  /** A command this page applied (store.onCommand): the room follows the teacher's own actions only. */
  heard({ command, origin }) {
    if (!this.active() || origin === "class" || !isShared(command)) return;
    if (this.uploading) {
      this.held.push(command);
      return;
    }
    this.forward(command);
  }

  forward(command) {
    const text = JSON.stringify(command);
    if (COMMANDS[command.type]?.whole || command.type === "load" || text.length > classProtocol().max_command_bytes) {
      this.upload();
      return;
    }
    const id = this.room.nextId();
    if (this.room.send({ type: "command", command, id })) this.unacked.add(id);
    this.sinceUpload += 1;
    clearTimeout(this.debounce);
    if (this.sinceUpload >= this.stateEvery) this.upload();
    else if (this.sinceUpload >= this.stateEvery / 2) {
      this.debounce = setTimeout(() => this.upload(), classProtocol().state_debounce_ms);
    }
  }

  /** The room takes this page's shared state as it is now (after every command before it is in the log). */
  upload() {
    clearTimeout(this.debounce);
    if (this.uploading) return this.uploading;
    this.uploading = (async () => {
      try {
        await this.allAcked();
        const shared = sharedState(this.store.get());
        if (!shared.request) return;
        await putState(this.room.code, this.room.token, shared);
        this.sinceUpload = 0;
      } catch (error) {
        this.room.set({ problem: { key: "class.serverSaid", params: { message: error.message } } });
      } finally {
        this.uploading = null;
        const held = this.held;
        this.held = [];
        for (const command of held) this.heard({ command, origin: "local" });
      }
    })();
    return this.uploading;
  }

  allAcked() {
    if (!this.unacked.size) return Promise.resolve();
    return new Promise((resolve) => this.acksWaiting.push(resolve));
  }

  /** An ack or an error naming one of this page's ids: that command is no longer in flight. */
  settled(id) {
    this.unacked.delete(id);
    if (!this.unacked.size) this.release();
  }

  release() {
    const waiting = this.acksWaiting;
    this.acksWaiting = [];
    for (const resolve of waiting) resolve();
  }

  setLocked(locked) {
    this.room.set({ locked });
    this.room.send({ type: "lock", locked, id: this.room.nextId() });
  }

  setProjector(projector) {
    this.room.set({ projector });
    this.room.send({ type: "projector", projector, id: this.room.nextId() });
  }

  /** The page changed (store.subscribe): the pointer (≤ 30/s, latest wins) and the training's progress. */
  changed(state, previous) {
    if (!this.active()) return;
    if (state.local.hover !== previous.local.hover) this.pointer(state.local.hover);
    if (state.status.training !== previous.status.training) this.progress(state.status.training);
  }

  pointer(hover) {
    this.pointerLatest = hover ?? null;
    if (this.pointerTimer) return;
    this.room.send({ type: "pointer", pointer: this.pointerLatest });
    this.pointerTimer = setTimeout(() => {
      this.pointerTimer = null;
      this.room.send({ type: "pointer", pointer: this.pointerLatest });
    }, classProtocol().pointer_interval_ms);
  }

  progress(running) {
    const training = running ? { epoch: running.done, epochs: running.total, loss: running.loss ?? null } : null;
    this.progressLatest = training;
    clearTimeout(this.progressTimer);
    const wait = training ? Math.max(0, this.progressSentAt + PROGRESS_INTERVAL_MS - Date.now()) : 0;
    this.progressTimer = setTimeout(() => {
      this.progressSentAt = Date.now();
      this.room.send({ type: "progress", training: this.progressLatest });
    }, wait);
  }
}
