/**
 * Classroom mode, the page's side (protocol: docs/contract.md, "Classroom protocol"; the contract itself comes
 * from the server, ./protocol.js). `Classroom` holds the class's own small state (./class-state.js) apart from
 * the explorer's store, and ./view.js renders it; it starts, connects and ends the class and is what the views
 * call. The work is done by: ./connection.js (the socket, liveness), ./frames.js (the room's frames to their
 * handlers), ./follower.js (the room's log into the store), ./presenter.js (the teacher's actions into the
 * room), ./student.js, ./own-numbers.js, ./questions.js, ./results.js, ./saved-class.js (what a reload keeps).
 */
import { createRoom, addresses } from "./api.js";
import { mayStartClass, teacherHeaders } from "./teacher-key.js";
import { Connection } from "./connection.js";
import { Follower } from "./follower.js";
import { Presenter } from "./presenter.js";
import { Questions } from "./questions.js";
import { Student } from "./student.js";
import { OwnNumbers } from "./own-numbers.js";
import { Results } from "./results.js";
import { receive } from "./frames.js";
import { path } from "./protocol.js";
import { initialClass, joinCodeFromPath, helloFor } from "./class-state.js";
import { savedPresenter, savePresenter, savedName } from "./saved-class.js";

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
    this.name = savedName() ?? "";
    this.connection = null;
    this.lastId = 0;
    this.questions = new Questions(this);
    this.follower = new Follower(this, store);
    this.presenter = new Presenter(this, store);
    this.student = new Student(this);
    this.ownNumbers = new OwnNumbers(this, store);
    this.results = new Results(this);
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
      const presenter = savedPresenter();
      if (presenter?.code && presenter?.token) this.present(presenter);
      else this.results.recall();
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
    savePresenter({ code: body.code, token: body.token });
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
  lookUp(text, name = this.name) {
    return this.student.lookUp(text, name);
  }

  join(code) {
    this.role = "student";
    this.code = code;
    this.ownNumbers.forget();
    const mode = this.student.restore(code);
    this.set({ mode, code, asking: false, name: this.name });
    this.connect();
  }

  // --- the connection ----------------------------------------------------------------------------------------

  connect() {
    this.connection?.stop();
    this.connection = new Connection({
      hello: () => helloFor({ code: this.code, role: this.role, token: this.token, studentId: this.studentId,
        name: this.name, epoch: this.follower.epoch, lastSeq: this.follower.lastSeq }),
      onFrame: (frame) => receive(this, frame),
      onStatus: (connection, problem) => this.set(problem ? { connection, problem: { key: problem } } : { connection }),
      onFinal: (key) => this.end(key),
      hadClass: () => Boolean(this.follower.epoch),
    });
    this.connection.open();
  }

  disconnect() {
    this.connection?.stop();
    this.connection = null;
  }

  // --- ending ------------------------------------------------------------------------------------------------

  /** The class is over for this page. A presenter's page is back to solo at once, "Start a class" offered. */
  end(key) {
    this.disconnect();
    if (this.role === "presenter") {
      savePresenter(null);
      this.role = null;
      this.state = initialClass();
      this.set({ problem: { key } });
      this.results.keep();
      return;
    }
    this.student.forget();
    this.store.dispatch({ type: "editsOff", editsOff: null });
    this.set({ mode: "ended", connection: "offline", ended: key, question: null, locked: false, training: null,
      variants: null });
  }

  /** The room's `ended` frame. */
  ended(reason) {
    this.end(ENDED_KEYS[reason] ?? "class.endedRestart");
  }

  /** The presenter ends the class for everyone; the page goes back to solo, the results still downloadable. */
  stop() {
    this.send({ type: "end" });
    this.store.dispatch({ type: "editsOff", editsOff: null });
    savePresenter(null);
    this.disconnect();
    this.role = null;
    this.state = initialClass();
    this.results.keep();
  }

  /** A student leaves the class (the explorer stays where it is). */
  leave() {
    this.student.forget();
    this.store.dispatch({ type: "editsOff", editsOff: null });
    this.disconnect();
    this.role = null;
    history.replaceState(null, "", `/${location.hash}`);
    this.state = initialClass();
    this.set({});
  }

  // --- what the page did -------------------------------------------------------------------------------------

  /** A command this page applied: the presenter's reaches the room; a following student's makes them explore. */
  heard(heard) {
    if (this.role === "presenter") this.presenter.heard(heard);
    else if (this.role === "student") this.student.acted(heard);
  }

  // --- what the views call -----------------------------------------------------------------------------------

  downloadResults() { return this.results.download(); }
  chooseHost(host) { this.set({ host }); }
  setLocked(locked) { this.presenter.setLocked(locked); }
  setProjector(projector) { this.presenter.setProjector(projector); }
  setVariants(on) { this.presenter.setVariants(on); }
  showStudent(place) { return this.presenter.showStudent(place); }
  showClass() { return this.presenter.showClass(); }
  loadRoster() { return this.presenter.loadRoster(); }
  ask(question) { this.questions.ask(question); }
  reveal() { this.questions.reveal(); }
  answer(value) { return this.questions.answer(value); }
  setName(name) { this.student.setName(name); }
  explore() { this.student.explore(); }
  followTeacher() { this.student.followTeacher(); }
}
