/**
 * Classroom mode, the page's side (protocol: docs/contract.md, "Classroom protocol"; the contract itself comes
 * from the server, ./protocol.js). `Classroom` holds the class's own small state (mode, connection, code,
 * counts, lock, projector, question, tally, answer, result, training) apart from the explorer's store, and
 * ./view.js renders it. The work is done by: ./connection.js (the socket, liveness), ./follower.js (the room's
 * frames into the store), ./presenter.js (the teacher's actions into the room), ./questions.js, ./api.js.
 */
import { createRoom, findRoom, addresses, fetchNumbers, fetchResults } from "./api.js";
import { mayStartClass, teacherHeaders } from "./teacher-key.js";
import { Connection } from "./connection.js";
import { Follower, ORDERED_FRAMES } from "./follower.js";
import { Presenter } from "./presenter.js";
import { Questions } from "./questions.js";
import { path, classProtocol } from "./protocol.js";
import { resultsCsv, resultsFileName } from "./results-csv.js";
import { keepEnded, endedBefore } from "./ended-class.js";
import { isShared } from "../store/commands.js";
import { download } from "../lib/download.js";

const PRESENTER_KEY = "backprop.class.presenter"; // {code, token, epoch}: this tab's room survives a reload
// {studentId, epoch, exploring} per room in localStorage: a reload, or closing and reopening the class link on
// the same device, is the same student (the same place in the room, so the same own numbers)
const STUDENT_PREFIX = "backprop.class.student.";
const EDITS_OFF = "class.variantsEditsOff";
const NAME_KEY = "backprop.class.name"; // the name this student gave (the room keeps it too)

/** The class state the view renders; `mode` is data-mode on [data-testid=class-mode]. */
function initialClass() {
  return {
    mode: "solo", // solo | presenter | following | exploring | ended
    connection: "offline", // offline | connecting | live | reconnecting | paused
    code: null, studentUrls: [], hint: null, host: null,
    students: 0, exploring: 0,
    locked: false, projector: false,
    question: null, tally: null, reveal: null, answered: null, answer: null, result: null,
    training: null, // the teacher's training progress {epoch, epochs, loss} while it runs (students)
    name: "", // the name this student gave (optional; the room keeps it, the presenter's tally shows it)
    endedCode: null, // a class this presenter ended: its results can still be downloaded for a while
    variants: null, // each student their own numbers: the preset whose variants they get (null: off)
    own: null, // a student's own numbers shown: {label, place}
    viewing: null, // the presenter shows a student's numbers: {place, label}
    roster: [], // the presenter's list of students to pick: [{place, label, name}]
    asking: false, // at /join: the code field is shown
    problem: null, // a message key (and params) to show, e.g. a wrong code
    ended: null,
  };
}

function session() {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null; // storage refused: the class still works, a reload just starts over
  }
}

function readSession(key) {
  try {
    return JSON.parse(sessionStorage.getItem(key) ?? "null");
  } catch {
    return null;
  }
}

function writeSession(key, value) {
  try {
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, JSON.stringify(value));
  } catch { /* private mode: the class still works, a reload just starts over */ }
}

function readStudent(code) {
  try {
    return JSON.parse(localStorage.getItem(STUDENT_PREFIX + code) ?? "null");
  } catch {
    return null;
  }
}

function writeStudent(code, value) {
  try {
    if (value === null) localStorage.removeItem(STUDENT_PREFIX + code);
    else localStorage.setItem(STUDENT_PREFIX + code, JSON.stringify(value));
  } catch { /* private mode: the class still works, a reload is a new student */ }
}

/** The join code in a /join/CODE path, or "" at /join, or null elsewhere. */
export function joinCodeFromPath(pathname) {
  const match = /^\/join(?:\/([^/]*))?\/?$/.exec(pathname);
  if (!match) return null;
  return decodeURIComponent(match[1] ?? "").trim().toUpperCase();
}

/**
 * What the page does with each frame the server sends that is not one of the ordered ones (follower.js);
 * tests/classroom/test_contract.py checks both tables against app/classroom/protocol.py's SERVER_MESSAGES.
 */
export const FRAMES = {
  welcome: (room, frame) => room.welcomed(frame),
  snapshot: (room, frame) => room.snapshot(frame),
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
  resumed: (room) => room.resumed(),
  error: (room, frame) => room.refused(frame),
  ack: (room, frame) => room.acked(frame),
  pong: () => {},
};

const ENDED_KEYS = { expired: "class.expired", ended_by_presenter: "class.endedByTeacher" };

export class Classroom {
  constructor(store) {
    this.store = store;
    this.state = initialClass();
    this.listeners = new Set();
    this.role = null;
    this.code = null;
    this.token = null;
    this.studentId = null;
    this.name = readSession(NAME_KEY) ?? "";
    this.endedClass = null; // {code, token, until} of the class this presenter ended (its results stay downloadable)
    this.connection = null;
    this.lastId = 0;
    this.ownCache = new Map(); // a student's own numbers per (preset, iteration): promises of the server's answer
    this.questions = new Questions(this);
    this.follower = new Follower(this, store);
    this.presenter = new Presenter(this, store);
    this.catchingUp = false; // a presenter's page taking the room's state after a reload
    this.follower.applyToStore = () => this.state.mode === "following" || this.catchingUp;
    store.onCommand((heard) => this.heard(heard));
    store.subscribe((state, previous) => this.presenter.changed(state, previous));
  }

  // --- the class state ---------------------------------------------------------------------------------------

  set(patch) {
    this.state = { ...this.state, ...patch };
    for (const fn of [...this.listeners]) fn(this.state);
  }

  subscribe(fn) {
    this.listeners.add(fn);
    fn(this.state);
    return () => this.listeners.delete(fn);
  }

  nextId() {
    this.lastId += 1;
    return this.lastId;
  }

  send(message) {
    return this.connection?.send(message) ?? false;
  }

  // --- starting ----------------------------------------------------------------------------------------------

  /** Resume what this tab was (a presenter's reload keeps the room), or follow /join/CODE. */
  resume(pathname) {
    const code = joinCodeFromPath(pathname);
    if (code === null) {
      const presenter = readSession(PRESENTER_KEY);
      if (presenter?.code && presenter?.token) this.present(presenter);
      else this.recallEnded();
      return;
    }
    if (code) this.join(code);
    else this.set({ asking: true }); // /join: the page asks for the code
  }

  /** "Start a class": a room on the server, then this page presents it. */
  async start() {
    if (!mayStartClass()) return this.set({ asking: true, problem: null }); // "Join a class": only a teacher starts one
    this.set({ problem: null });
    let body;
    try {
      body = await createRoom(teacherHeaders());
    } catch (error) {
      this.set({ problem: { key: "class.startFailed", params: { message: error.message } } });
      return;
    }
    writeSession(PRESENTER_KEY, { code: body.code, token: body.token });
    this.present({ code: body.code, token: body.token, studentUrls: body.student_urls, hint: body.hint, fresh: true });
  }

  present({ code, token, epoch, studentUrls, hint }) {
    this.role = "presenter";
    this.code = code;
    this.token = token;
    this.follower.epoch = epoch ?? null;
    this.set({ mode: "presenter", code, studentUrls: studentUrls ?? [], hint: hint ?? null,
      host: studentUrls?.length ? new URL(studentUrls[0]).hostname : null });
    if (!studentUrls) this.loadAddresses();
    this.connect();
  }

  async loadAddresses() {
    try {
      const { base_urls: baseUrls, hint } = await addresses(); // http or https: the server knows its public address
      const join = path("join", this.code);
      const studentUrls = baseUrls.map((base) => `${base}${join}`);
      this.set({ studentUrls, hint, host: studentUrls.length ? new URL(studentUrls[0]).hostname : null });
    } catch { /* the link stays this page's own address */ }
  }

  /** Look a code up (a wrong one is said so), then follow its class under `name` (optional). */
  async lookUp(text, name = this.name) {
    const code = text.trim().toUpperCase();
    this.keepName(name);
    this.set({ problem: null });
    try {
      await findRoom(code);
    } catch (error) {
      let reason = error.reason;
      // A code this tab was in, unknown now: the server restarted and forgot it; the class is over.
      if (reason === "unknown_class" && readStudent(code)) reason = "class_ended";
      const key = { unknown_class: "class.wrongCode", class_ended: "class.codeEnded", join_code: "class.notACode",
        rate_limited: "class.tooManyTries" }[reason] ?? "class.wrongCode";
      this.set({ problem: { key, params: { code } } });
      return false;
    }
    history.replaceState(null, "", `${path("join", code)}${location.hash}`);
    this.join(code);
    return true;
  }

  join(code) {
    this.role = "student";
    this.code = code;
    const saved = readStudent(code);
    this.ownCache = new Map();
    let mode = "following";
    if (saved) {
      this.studentId = saved.studentId;
      this.follower.epoch = saved.epoch ?? null;
      if (saved.exploring) mode = "exploring"; // a reload while exploring stays exploring
    }
    this.set({ mode, code, asking: false, name: this.name });
    this.connect();
  }

  keepName(name) {
    this.name = String(name ?? "").trim().slice(0, classProtocol().questions.max_name_chars);
    writeSession(NAME_KEY, this.name);
  }

  /** The student gives (or changes, or takes back) their name: the room keeps it. */
  setName(name) {
    this.keepName(name);
    this.set({ name: this.name });
    this.send({ type: "name", name: this.name });
  }

  // --- the connection ----------------------------------------------------------------------------------------

  connect() {
    this.connection?.stop();
    this.connection = new Connection({
      hello: () => this.hello(),
      onFrame: (frame) => this.received(frame),
      onStatus: (connection, problem) => this.set(problem ? { connection, problem: { key: problem } } : { connection }),
      onFinal: (key) => this.end(key),
      hadClass: () => Boolean(this.follower.epoch),
    });
    this.connection.open();
  }

  hello() {
    const hello = { type: "hello", code: this.code, role: this.role };
    if (this.role === "presenter") hello.token = this.token;
    if (this.studentId) hello.student_id = this.studentId;
    if (this.role === "student" && this.name) hello.name = this.name;
    const { epoch, lastSeq } = this.follower;
    if (epoch) hello.epoch = epoch;
    // A page that has applied frames asks only for the missed ones; a fresh one gets a snapshot.
    if (epoch && lastSeq > 0) hello.last_seq = lastSeq;
    return hello;
  }

  /** The class is over for this page. A presenter's page is back to solo at once, "Start a class" offered. */
  end(key) {
    this.connection?.stop();
    this.connection = null;
    if (this.role === "presenter") {
      writeSession(PRESENTER_KEY, null);
      this.role = null;
      this.state = initialClass();
      this.set({ problem: { key } });
      this.keepEnded();
      return;
    }
    writeStudent(this.code, null);
    this.store.dispatch({ type: "editsOff", editsOff: null });
    this.set({ mode: "ended", connection: "offline", ended: key, question: null, locked: false, training: null,
      variants: null });
  }

  ended(reason) {
    this.end(ENDED_KEYS[reason] ?? "class.endedRestart");
  }

  /** The presenter ends the class for everyone; the page goes back to solo, the results still downloadable. */
  stop() {
    this.send({ type: "end" });
    this.store.dispatch({ type: "editsOff", editsOff: null });
    writeSession(PRESENTER_KEY, null);
    this.connection?.stop();
    this.connection = null;
    this.role = null;
    this.state = initialClass();
    this.keepEnded();
  }

  /** The class this presenter's page ended: its results can be downloaded until the server deletes them. */
  keepEnded() {
    this.endedClass = keepEnded(session(), { code: this.code, token: this.token, now: Date.now(),
      keepSeconds: classProtocol().results_seconds });
    this.set({ endedCode: this.code });
  }

  /** After a reload: the class this tab ended, while its results are kept. */
  recallEnded() {
    this.endedClass = endedBefore(session(), Date.now());
    if (this.endedClass) this.set({ endedCode: this.endedClass.code });
  }

  /** The presenter downloads the class's answers as CSV in the page's language (this class, or the one it ended). */
  async downloadResults() {
    const { code, token } = this.role === "presenter" ? this : this.endedClass ?? {};
    if (!code || !token) return false;
    try {
      const results = await fetchResults(code, token);
      download(resultsCsv(results), resultsFileName(code), "text/csv;charset=utf-8");
      return true;
    } catch (error) {
      this.set({ problem: { key: "class.results.failed", params: { message: error.message } } });
      return false;
    }
  }

  /** A student leaves the class (the explorer stays where it is). */
  leave() {
    writeStudent(this.code, null);
    this.store.dispatch({ type: "editsOff", editsOff: null });
    this.connection?.stop();
    this.connection = null;
    this.role = null;
    history.replaceState(null, "", `/${location.hash}`);
    this.state = initialClass();
    this.set({});
  }

  // --- frames from the server --------------------------------------------------------------------------------

  received(frame) {
    if (frame.seq !== undefined && frame.type in ORDERED_FRAMES) return this.ordered(frame);
    FRAMES[frame.type]?.(this, frame);
  }

  welcomed(frame) {
    const sameEpoch = frame.epoch === this.follower.epoch;
    this.follower.epoch = frame.epoch;
    if (!sameEpoch) this.follower.reset();
    this.set({ connection: "live", problem: null });
    if (this.role === "student") {
      this.studentId = frame.student_id;
      if (frame.name !== undefined) this.keepName(frame.name); // the room's, as this page or another tab gave it
      this.set({ name: this.name });
      this.saveStudent();
      this.questions.own(frame.your_answer);
      if (this.state.mode === "exploring") this.send({ type: "mode", exploring: true });
      return;
    }
    writeSession(PRESENTER_KEY, { code: this.code, token: this.token, epoch: frame.epoch }); // a restart: "ended"
    this.presenter.welcomed(frame);
    // A reconnect (the page was in this room): the room takes where the page is now. A reload gets a
    // snapshot first and takes the room's state from it.
    if (sameEpoch && this.follower.lastSeq > 0) this.presenter.upload();
  }

  snapshot(frame) {
    if (this.role === "presenter") {
      if (frame.state_seq === 0) {
        this.follower.snapshot({ ...frame, entries: [] });
        this.presenter.upload(); // a new room: it starts where this page is
        return;
      }
      this.catchingUp = true;
      this.follower.snapshot(frame).finally(() => { this.catchingUp = false; });
      return;
    }
    this.follower.snapshot(frame);
  }

  ordered(frame) {
    if (this.role === "presenter" && (frame.type === "command" || frame.type === "state")) {
      this.follower.lastSeq = Math.max(this.follower.lastSeq, frame.seq); // its own, applied already
      return;
    }
    this.follower.ordered(frame);
  }

  resumed() {
    this.set({ connection: "live", problem: null });
    // Redis is back: whatever happened meanwhile, catch up now rather than at the teacher's next click.
    if (this.role === "student") this.send({ type: "resync", epoch: this.follower.epoch, last_seq: this.follower.lastSeq });
    else this.presenter.upload();
  }

  refused(frame) {
    if (frame.id !== undefined) this.presenter.settled(frame.id);
    if (frame.code === "class_ended") return this.end("class.endedRestart");
    if (frame.code === "state_required") this.presenter.upload();
    this.set({ problem: { key: "class.serverSaid", params: { message: frame.message } } });
  }

  acked(frame) {
    if (frame.id !== undefined) this.presenter.settled(frame.id);
    this.questions.acked(frame);
    if (this.state.problem?.key === "class.serverSaid") this.set({ problem: null });
  }

  saveStudent() {
    writeStudent(this.code, { studentId: this.studentId, epoch: this.follower.epoch,
      exploring: this.state.mode === "exploring" });
  }

  // --- each student their own numbers ------------------------------------------------------------------------

  /**
   * The room's variants mode changed (its frame, a snapshot): training and edits are off while it is on. A
   * following student's numbers (own or the class's) come with the `state` frame the presenter's page uploads
   * right after the switch (Presenter.sendVariants): no snapshot is asked for.
   */
  variantsChanged(preset) {
    const variants = preset ?? null;
    if (variants === this.state.variants) return;
    this.set({ variants });
    this.store.dispatch({ type: "editsOff", editsOff: variants ? EDITS_OFF : null });
    if (this.role === "presenter" && !variants) this.presenter.showClass();
  }

  /**
   * What this page shows of a room state: a student in variants mode gets their own request (and its loss
   * history) at the class's iteration; step, view options and iteration stay the teacher's. {state, ownNumbers}
   */
  async shownState(shared) {
    const preset = this.state.variants;
    if (this.role !== "student" || !preset || shared.presetId !== preset) {
      if (this.state.own) this.set({ own: null });
      return { state: shared, ownNumbers: null };
    }
    const iteration = shared.iteration ?? 0;
    const key = `${preset}:${iteration}`;
    const last = classProtocol().questions.max_iteration; // the server's bound on a student's own numbers
    if (iteration > last) {
      this.set({ own: null, problem: { key: "class.ownTooFar", params: { max: last } } });
      return { state: shared, ownNumbers: null };
    }
    try {
      if (!this.ownCache.has(key)) this.ownCache.set(key, fetchNumbers(this.code, this.studentId, iteration));
      const own = await this.ownCache.get(key);
      this.set({ own: { label: own.label, place: own.place } });
      return { state: { ...shared, request: own.request, lossHistory: own.loss_history, training: null },
        ownNumbers: own.label };
    } catch (error) {
      this.ownCache.delete(key);
      this.set({ problem: { key: "class.serverSaid", params: { message: error.message } } });
      return { state: shared, ownNumbers: null };
    }
  }

  setVariants(on) {
    this.presenter.setVariants(on);
  }

  showStudent(place) {
    return this.presenter.showStudent(place);
  }

  showClass() {
    return this.presenter.showClass();
  }

  loadRoster() {
    return this.presenter.loadRoster();
  }

  // --- the presenter's side ----------------------------------------------------------------------------------

  heard(heard) {
    if (this.role === "presenter") this.presenter.heard(heard);
    else if (this.role === "student") this.studentActed(heard);
  }

  setLocked(locked) {
    this.presenter.setLocked(locked);
  }

  setProjector(projector) {
    this.presenter.setProjector(projector);
  }

  chooseHost(host) {
    this.set({ host });
  }

  ask(question) {
    this.questions.ask(question);
  }

  reveal() {
    this.questions.reveal();
  }

  // --- the student's side ------------------------------------------------------------------------------------

  /** A student's own shared change (a click, a key) while following: explore on their own, never the teacher. */
  studentActed({ command, origin }) {
    if (origin !== "local" || !isShared(command) || this.state.mode !== "following") return;
    if (this.state.locked) {
      this.followTeacher(); // follow only: back to the teacher's view
      return;
    }
    this.explore();
  }

  explore() {
    if (this.state.locked || this.state.mode !== "following") return;
    this.set({ mode: "exploring" });
    this.saveStudent();
    this.send({ type: "mode", exploring: true });
  }

  /** Back to the teacher's current state: a snapshot of the room. */
  followTeacher() {
    if (this.state.mode === "exploring") this.send({ type: "mode", exploring: false });
    this.set({ mode: "following" });
    this.saveStudent();
    this.follower.known = null;
    this.send({ type: "resync", last_seq: 0 }); // no epoch: the server answers with a snapshot
  }

  answer(value) {
    return this.questions.answer(value);
  }
}
