/**
 * The presenter's side: what the teacher's page does reaches the room. A small shared command (a step, an
 * option, a selection) goes as a `command` frame; a change of the request (a load, a restore, the end of a
 * training) or any command too big for a frame uploads the page's shared state (PUT …/state), and so does a
 * run of `state_every` entries of the room's log, debounced: its own commands and every other frame of the log
 * (the lock, the projector, questions), counted from the welcome's `since_state`. A command the room refuses
 * `state_required` anyway (the log no longer reaches back to its last state) is not sent again: the page applied
 * it before sending, so the state it uploads next carries it and brings every student to it. Order is kept: an
 * upload waits until every command before it was acknowledged, and commands heard and room messages sent meanwhile
 * wait for the upload. The hover is the class's pointer,
 * the training's progress goes out latest-wins, and the lock and the projector layout are room messages.
 * Each student their own numbers (variants) is a room message too; while the teacher shows a student's numbers
 * on the projector, the class keeps the teacher's (only steps and view options reach it). Next iteration then
 * moves the class to its next iteration and the projector to that student's (what the student's own page
 * shows); any other new numbers (a preset, the editor, a state file) end the showing: the class takes them.
 */
import { isShared, COMMANDS, restoreCommand } from "../store/commands.js";
import { sharedState } from "../store/state.js";
import { nextIteration } from "../store/actions.js";
import { VARIANTS } from "../lib/core-options.js";
import { putState, fetchNumbers, fetchStudents } from "./api.js";
import { classProtocol } from "./protocol.js";

const PROGRESS_INTERVAL_MS = 250; // the teacher's training progress, at most 4 times a second
const ROSTER_DELAY_MS = 1000; // the list of students to pick is fetched again at most once a second
const NUMBERS_FIELDS = ["request", "presetId", "iteration", "lossHistory", "training"]; // whose numbers are shown

const hasVariants = (presetId) => Boolean(presetId && VARIANTS.presets.includes(presetId));

export class Presenter {
  /** `room` is the Classroom (code, token, state, set, send, nextId, ownNumbers). */
  constructor(room, store) {
    this.room = room;
    this.store = store;
    this.unacked = new Set(); // ids of commands sent and not yet acknowledged
    this.acksWaiting = [];
    this.uploading = null; // the upload in flight (a promise)
    this.held = []; // commands heard and room messages sent while uploading: {command} or {message}, in order
    this.sinceUpload = 0; // entries of the room's log since its last state, as far as this page knows
    this.countedTo = 0; // the log's seq up to which sinceUpload counts (the welcome's)
    this.stateEvery = 100;
    this.debounce = null;
    this.pointerTimer = null;
    this.progressTimer = null;
    this.progressSentAt = 0;
    this.again = false; // another upload is due after the one in flight
    this.moving = false; // Next iteration while showing a student is under way
    this.viewing = null; // the class's shared state while the page shows a student's numbers
    this.rosterTimer = null;
  }

  active() {
    return this.room.role === "presenter" && this.room.state.mode === "presenter";
  }

  welcomed(frame) {
    this.stateEvery = frame.state_every ?? this.stateEvery;
    this.sinceUpload = frame.since_state ?? 0; // a reloaded page starts where the room's log is
    this.countedTo = frame.seq ?? 0;
    this.unacked.clear();
    this.release();
  }

  /** A command this page applied (store.onCommand): the room follows the teacher's own actions only. */
  heard({ command, origin }) {
    if (!this.active() || origin === "class" || !isShared(command)) return;
    this.room.questions.movedOn(); // the room closes a revealed question on this command: so does this bar
    if (this.viewing && (command.type === "load" || COMMANDS[command.type]?.whole)) {
      if (command.reason === "next") {
        this.nextWhileShowing();
        return;
      }
      this.stopShowing(); // new numbers on the projector: the class takes them, not the student's shown before
    }
    if (this.uploading) {
      this.held.push({ command });
      return;
    }
    this.forward(command);
  }

  /**
   * A room message (a question, a reveal, the lock…) in order with this page's commands: while an upload is in
   * flight the commands heard meanwhile wait for it, and so does this (an `ask` sent ahead of the step it is about
   * reached the room before the step, which then closed the question).
   */
  sendInOrder(message) {
    if (this.uploading) {
      this.held.push({ message });
      return true;
    }
    return this.room.send(message);
  }

  forward(command) {
    const text = JSON.stringify(command);
    if (COMMANDS[command.type]?.whole || command.type === "load" || text.length > classProtocol().max_command_bytes) {
      this.upload();
      return;
    }
    const id = this.room.nextId();
    if (this.room.send({ type: "command", command, id })) this.unacked.add(id);
    this.count();
  }

  /** Another frame of the room's log that is not a command of this page (the lock, a question…), by its seq. */
  logged(seq) {
    if (!this.active() || seq <= this.countedTo) return;
    this.countedTo = seq;
    this.count();
  }

  /** One more entry in the room's log: its state is uploaded before the log stops reaching back to the last one. */
  count() {
    this.sinceUpload += 1;
    clearTimeout(this.debounce);
    if (this.sinceUpload >= this.stateEvery) this.upload();
    else if (this.sinceUpload >= this.stateEvery / 2) {
      this.debounce = setTimeout(() => this.upload(), classProtocol().state_debounce_ms);
    }
  }

  /**
   * The room takes this page's shared state as it is now (after every command before it is in the log).
   * `again`: one taken while an upload is in flight follows it (that one may have read the state already).
   */
  upload({ again = false } = {}) {
    clearTimeout(this.debounce);
    if (this.uploading) {
      this.again ||= again;
      return this.uploading;
    }
    this.uploading = (async () => {
      try {
        await this.allAcked();
        const shared = this.classShared();
        if (!shared.request) return;
        await putState(this.room.code, this.room.token, shared);
        this.sinceUpload = 0;
      } catch (error) {
        this.room.set({ problem: { key: "class.serverSaid", params: { message: error.message } } });
      } finally {
        this.uploading = null;
        const held = this.held;
        this.held = [];
        for (const { command, message } of held) {
          if (command) this.heard({ command, origin: "local" });
          else this.sendInOrder(message);
        }
        if (this.again) {
          this.again = false;
          this.upload();
        }
      }
    })();
    return this.uploading;
  }

  /**
   * The room refused a command `state_required`: this page's state, uploaded now, carries it (the page applied it
   * before sending it), and its `state` frame brings every student to it; nothing to resend, nothing to say.
   */
  stateRequired() {
    this.upload();
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

  /** The shared state the class has: this page's, with the class's numbers while it shows a student's. */
  classShared() {
    const shared = sharedState(this.store.get());
    if (!this.viewing) return shared;
    return { ...shared, ...Object.fromEntries(NUMBERS_FIELDS.map((name) => [name, this.viewing[name]])) };
  }

  /** Each student their own numbers, on or off: only for a preset with variants (the view says why not). */
  setVariants(on) {
    const { presetId } = this.store.get();
    const preset = on && hasVariants(presetId) ? presetId : null;
    if (on && !preset) {
      this.room.set({ problem: { key: "class.variantsNone" } });
      return;
    }
    this.sendVariants(preset);
    if (preset) this.loadRoster();
  }

  /**
   * The room's variants mode, then this page's state uploaded after it: the `state` frame that follows brings
   * every following student their numbers (own or the class's) over HTTP, no student asks for a snapshot.
   */
  sendVariants(preset) {
    this.room.ownNumbers.modeChanged(preset);
    const id = this.room.nextId();
    if (this.sendInOrder({ type: "variants", preset, id })) this.unacked.add(id);
    this.upload({ again: true });
  }

  /** The teacher switched to another network in variants mode: its variants, or none (and the mode is off). */
  presetChanged(presetId) {
    if (!this.room.state.variants || this.viewing || presetId === this.room.state.variants) return;
    if (hasVariants(presetId)) {
      this.sendVariants(presetId);
    } else {
      this.setVariants(false);
      this.room.set({ problem: { key: "class.variantsOffPreset" } });
    }
  }

  /** Show student `place`'s own numbers on this page (the projector) at the class's iteration. */
  async showStudent(place) {
    const classShared = this.classShared();
    try {
      const own = await fetchNumbers(this.room.code, this.room.token, classShared.iteration ?? 0, place);
      this.viewing = classShared;
      const shown = { ...sharedState(this.store.get()), request: own.request, lossHistory: own.loss_history, training: null };
      await this.store.dispatch(restoreCommand(shown, { reason: "student", ownNumbers: own.label }), { origin: "class" });
      this.room.set({ viewing: { place, label: own.label } });
    } catch (error) {
      this.room.set({ problem: { key: "class.serverSaid", params: { message: error.message } } });
    }
  }

  /**
   * Next iteration while showing a student: the class goes to its next iteration (the page takes the class's
   * numbers, moves on as always, which the room hears), then the projector shows the student's numbers at it.
   */
  async nextWhileShowing() {
    const place = this.room.state.viewing?.place;
    if (this.moving || place === undefined) return;
    this.moving = true;
    try {
      await this.showClass();
      await nextIteration(this.store);
      await this.showStudent(place);
    } finally {
      this.moving = false;
    }
  }

  /** The page shows new numbers of its own while it showed a student's: they are the class's now. */
  stopShowing() {
    this.viewing = null;
    this.room.set({ viewing: null });
    this.presetChanged(this.store.get().presetId); // skipped while showing: a preset without variants ends them
  }

  /** Back to the class's numbers (the step and view options as they are now). */
  async showClass() {
    if (!this.viewing) return;
    const shared = this.classShared();
    this.room.set({ viewing: null });
    try {
      await this.store.dispatch(restoreCommand(shared, { reason: "class" }), { origin: "class" });
    } finally {
      // Only now: an upload meanwhile (variants off while showing a student) still takes the class's numbers.
      this.viewing = null;
    }
  }

  async loadRoster() {
    if (!this.active()) return; // ended meanwhile (a timer was due): the room is gone
    try {
      this.room.set({ roster: await fetchStudents(this.room.code, this.room.token) });
    } catch { /* the list stays as it was; the next presence change tries again */ }
  }

  rosterSoon() {
    if (this.rosterTimer) return;
    this.rosterTimer = setTimeout(() => {
      this.rosterTimer = null;
      this.loadRoster();
    }, ROSTER_DELAY_MS);
  }

  setLocked(locked) {
    this.room.set({ locked });
    this.sendInOrder({ type: "lock", locked, id: this.room.nextId() });
  }

  setProjector(projector) {
    this.room.set({ projector });
    this.sendInOrder({ type: "projector", projector, id: this.room.nextId() });
  }

  /** The page changed (store.subscribe): the pointer (≤ 30/s, latest wins) and the training's progress. */
  changed(state, previous) {
    if (!this.active()) return;
    if (state.presetId !== previous.presetId) this.presetChanged(state.presetId);
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
