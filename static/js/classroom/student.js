/**
 * A student's side of the class: finding the class by its code, the optional name, the place the room gave this
 * device (kept across a reload), and following the teacher or exploring on one's own.
 */
import { findRoom } from "./api.js";
import { classProtocol, path } from "./protocol.js";
import { lookUpProblem } from "./class-state.js";
import { savedStudent, saveStudent, saveName } from "./saved-class.js";
import { isShared } from "../store/commands.js";

export class Student {
  /** `room` is the Classroom: its code, name, studentId, follower, questions, state, set, send, join. */
  constructor(room) {
    this.room = room;
  }

  /** Look a code up (a wrong one is said so), then follow its class under `name` (optional). */
  async lookUp(text, name) {
    const code = text.trim().toUpperCase();
    this.keepName(name);
    this.room.set({ problem: null });
    try {
      await findRoom(code);
    } catch (error) {
      this.room.set({ problem: { key: lookUpProblem(error.reason, Boolean(savedStudent(code))), params: { code } } });
      return false;
    }
    history.replaceState(null, "", `${path("join", code)}${location.hash}`);
    this.room.join(code);
    return true;
  }

  /** Joining `code`: this device's place in it, if it was there before; the mode it is in. */
  restore(code) {
    const saved = savedStudent(code);
    if (!saved) return "following";
    this.room.studentId = saved.studentId;
    this.room.follower.epoch = saved.epoch ?? null;
    return saved.exploring ? "exploring" : "following"; // a reload while exploring stays exploring
  }

  keepName(name) {
    this.room.name = String(name ?? "").trim().slice(0, classProtocol().questions.max_name_chars);
    saveName(this.room.name);
  }

  /** The student gives (or changes, or takes back) their name: the room keeps it. */
  setName(name) {
    this.keepName(name);
    this.room.set({ name: this.room.name });
    this.room.send({ type: "name", name: this.room.name });
  }

  /** The room's welcome: this device's place, the name the room keeps, the answer given, the mode. */
  welcomed(frame) {
    const room = this.room;
    room.studentId = frame.student_id;
    if (frame.name !== undefined) this.keepName(frame.name); // the room's, as this page or another tab gave it
    room.set({ name: room.name });
    this.save();
    room.questions.own(frame.your_answer);
    if (room.state.mode === "exploring") room.send({ type: "mode", exploring: true });
  }

  save() {
    saveStudent(this.room.code, { studentId: this.room.studentId, epoch: this.room.follower.epoch,
      exploring: this.room.state.mode === "exploring" });
  }

  forget() {
    saveStudent(this.room.code, null);
  }

  /** A student's own shared change (a click, a key) while following: explore on their own, never the teacher. */
  acted({ command, origin }) {
    const { mode, locked } = this.room.state;
    if (origin !== "local" || !isShared(command) || mode !== "following") return;
    if (locked) {
      this.followTeacher(); // follow only: back to the teacher's view
      return;
    }
    this.explore();
  }

  explore() {
    if (this.room.state.locked || this.room.state.mode !== "following") return;
    this.room.set({ mode: "exploring" });
    this.save();
    this.room.send({ type: "mode", exploring: true });
  }

  /** Back to the teacher's current state: a snapshot of the room. */
  followTeacher() {
    if (this.room.state.mode === "exploring") this.room.send({ type: "mode", exploring: false });
    this.room.set({ mode: "following" });
    this.save();
    this.room.follower.known = null;
    this.room.send({ type: "resync", last_seq: 0 }); // no epoch: the server answers with a snapshot
  }
}
