/**
 * Classroom mode, the page's side (protocol: docs/contract.md, "Classroom protocol"). A presenter's page sends
 * its shared commands (store.onCommand) with its shared state; a student's page applies the teacher's commands,
 * in seq order, with the same store.dispatch — a new network, data or weights arrive as the request to trace,
 * and every follower fetches that trace itself. The class's own state (mode, connection, question, tally)
 * lives here, apart from the explorer's store, and classroom-view.js renders it.
 */
import { sharedState } from "./state.js";
import { restoreState } from "./actions.js";
import { isShared, restoreCommand } from "./commands.js";

const PRESENTER_KEY = "backprop.class.presenter"; // {code, token, epoch}: this tab's room survives a reload
const STUDENT_KEY = "backprop.class.student"; // {code, studentId, epoch}: a reload is the same student
const POINTER_INTERVAL_MS = 34; // at most 30 pointer moves a second
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 15_000;
// Close codes after which reconnecting cannot help (app/classroom/protocol.py).
const ENDED_CODES = new Set([4404, 4410]);
const FINAL_CODES = new Set([4401, 4409, 4429, 4503]);

/** The class state classroom-view.js renders; `mode` is data-mode on [data-testid=class-mode]. */
function initialClass() {
  return {
    mode: "solo", // solo | presenter | following | exploring | ended
    connection: "offline", // offline | connecting | live | reconnecting | paused
    code: null, studentUrls: [], hint: null, host: null,
    students: 0, exploring: 0,
    locked: false, projector: false,
    question: null, tally: null, reveal: null, answered: null, result: null,
    asking: false, // at /join: the code field is shown
    problem: null, // a message key (and params) to show, e.g. a wrong code
    ended: null,
  };
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

/** The join code in a /join/CODE path, or "" at /join, or null elsewhere. */
export function joinCodeFromPath(pathname) {
  const match = /^\/join(?:\/([^/]*))?\/?$/.exec(pathname);
  if (!match) return null;
  return decodeURIComponent(match[1] ?? "").trim().toUpperCase();
}

export class Classroom {
  constructor(store) {
    this.store = store;
    this.state = initialClass();
    this.listeners = new Set();
    this.socket = null;
    this.role = null;
    this.code = null;
    this.token = null;
    this.studentId = null;
    this.epoch = null;
    this.lastSeq = 0;
    this.attempt = 0;
    this.queue = Promise.resolve(); // the teacher's frames, applied one after another
    this.pointerTimer = null;
    this.pointerLatest = undefined;
    this.nextId = 1;
    store.onCommand(({ command, origin, shared }) => this.heard(command, origin, shared));
    store.subscribe((state, previous) => this.pointerMoved(state, previous));
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

  // --- starting ----------------------------------------------------------------------------------------------

  /** Resume what this tab was (a presenter's reload keeps the room), or follow /join/CODE. */
  resume(pathname) {
    const code = joinCodeFromPath(pathname);
    if (code === null) {
      const presenter = readSession(PRESENTER_KEY);
      if (presenter?.code && presenter?.token) this.present(presenter);
      return;
    }
    if (code) this.join(code);
    else this.set({ asking: true }); // /join: the page asks for the code

  }

  /** "Start a class": a room on the server, then this page presents it. */
  async start() {
    this.set({ problem: null });
    let body;
    try {
      const response = await fetch("/api/class/rooms", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
      body = await response.json();
      if (!response.ok) throw new Error(body?.detail?.[0]?.msg ?? response.statusText);
    } catch (error) {
      this.set({ problem: { key: "class.startFailed", params: { message: error.message } } });
      return;
    }
    const room = { code: body.code, token: body.token, studentUrls: body.student_urls, hint: body.hint };
    writeSession(PRESENTER_KEY, { code: room.code, token: room.token });
    this.present(room);
  }

  present({ code, token, epoch, studentUrls, hint }) {
    this.role = "presenter";
    this.code = code;
    this.token = token;
    this.epoch = epoch ?? null;
    this.set({ mode: "presenter", code, studentUrls: studentUrls ?? [], hint: hint ?? null,
      host: studentUrls?.length ? new URL(studentUrls[0]).hostname : null });
    if (!studentUrls) this.loadAddresses();
    this.connect();
  }

  async loadAddresses() {
    try {
      const response = await fetch("/api/class/addresses");
      const { hosts, port, hint } = await response.json();
      const studentUrls = hosts.map((host) => `http://${host.includes(":") ? `[${host}]` : host}:${port}/join/${this.code}`);
      this.set({ studentUrls, hint, host: studentUrls.length ? new URL(studentUrls[0]).hostname : null });
    } catch { /* the link stays this page's own address */ }
  }

  /** Look a code up (a wrong one is said so), then follow its class. */
  async lookUp(text) {
    const code = text.trim().toUpperCase();
    this.set({ problem: null });
    const response = await fetch(`/api/class/rooms/${encodeURIComponent(code || "-")}`);
    if (!response.ok) {
      const body = await response.json().catch(() => null);
      const reason = body?.detail?.[0]?.type;
      const key = { unknown_class: "class.wrongCode", class_ended: "class.codeEnded", join_code: "class.notACode",
        rate_limited: "class.tooManyTries" }[reason] ?? "class.wrongCode";
      this.set({ problem: { key, params: { code } } });
      return false;
    }
    history.replaceState(null, "", `/join/${code}${location.hash}`);
    this.join(code);
    return true;
  }

  join(code) {
    this.role = "student";
    this.code = code;
    const saved = readSession(STUDENT_KEY);
    if (saved?.code === code) {
      this.studentId = saved.studentId;
      this.epoch = saved.epoch ?? null;
    }
    this.set({ mode: "following", code, asking: false });
    this.connect();
  }

  // --- the connection ----------------------------------------------------------------------------------------

  connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}/api/class/ws`);
    this.socket = socket;
    this.set({ connection: this.attempt ? "reconnecting" : "connecting" });
    socket.addEventListener("open", () => socket.send(JSON.stringify(this.hello())));
    socket.addEventListener("message", (event) => this.received(JSON.parse(event.data)));
    socket.addEventListener("close", (event) => this.closed(socket, event.code));
  }

  hello() {
    const hello = { type: "hello", code: this.code, role: this.role };
    if (this.role === "presenter") hello.token = this.token;
    if (this.studentId) hello.student_id = this.studentId;
    if (this.epoch) hello.epoch = this.epoch;
    // A page that has applied frames asks only for the missed ones; a fresh one gets a snapshot.
    if (this.epoch && this.lastSeq > 0) hello.last_seq = this.lastSeq;
    return hello;
  }

  send(message) {
    if (this.socket?.readyState === WebSocket.OPEN && this.state.connection !== "connecting") {
      this.socket.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  closed(socket, code) {
    if (socket !== this.socket) return;
    this.socket = null;
    if (this.state.mode === "ended" || this.state.mode === "solo") return;
    if (ENDED_CODES.has(code) && (this.epoch || code === 4410)) return this.end("class.endedRestart");
    if (ENDED_CODES.has(code)) return this.end("class.wrongCodeShort");
    if (FINAL_CODES.has(code)) return this.end(code === 4409 ? "class.replaced" : "class.refused");
    // Randomised back-off: 300 phones that lost the Wi-Fi together do not come back in the same instant.
    this.attempt += 1;
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.min(this.attempt, 6));
    const delay = ceiling / 2 + Math.random() * ceiling / 2;
    this.set({ connection: "paused" });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  end(key) {
    clearTimeout(this.retryTimer);
    if (this.role === "presenter") writeSession(PRESENTER_KEY, null);
    else writeSession(STUDENT_KEY, null);
    this.socket?.close();
    this.socket = null;
    this.set({ mode: "ended", connection: "offline", ended: key, question: null, locked: false });
  }

  /** The presenter ends the class for everyone; the page goes back to solo. */
  stop() {
    this.send({ type: "end" });
    writeSession(PRESENTER_KEY, null);
    const socket = this.socket;
    this.socket = null;
    socket?.close();
    this.role = null;
    this.state = initialClass();
    this.set({});
  }

  /** A student leaves the class (the explorer stays where it is). */
  leave() {
    writeSession(STUDENT_KEY, null);
    const socket = this.socket;
    this.socket = null;
    socket?.close();
    clearTimeout(this.retryTimer);
    this.role = null;
    history.replaceState(null, "", `/${location.hash}`);
    this.state = initialClass();
    this.set({});
  }

  // --- frames from the server --------------------------------------------------------------------------------

  received(frame) {
    const handlers = {
      welcome: () => this.welcomed(frame),
      snapshot: () => this.enqueue(() => this.applySnapshot(frame)),
      command: () => this.ordered(frame, () => this.applyCommand(frame)),
      question: () => this.ordered(frame, () => this.set({ question: frame.question, reveal: null, result: null,
        answered: null, tally: null })),
      reveal: () => this.ordered(frame, () => this.set({ reveal: frame, question: this.revealed(frame) })),
      ended: () => this.end(frame.reason === "expired" ? "class.expired" : "class.endedByTeacher"),
      beat: () => this.beat(frame),
      pointer: () => this.pointed(frame.pointer),
      presence: () => this.set({ students: frame.students, exploring: frame.exploring }),
      tally: () => this.set({ tally: frame }),
      answered: () => this.set({ answered: frame.question_id }),
      result: () => this.set({ result: frame }),
      state_wanted: () => this.sendState(),
      paused: () => this.set({ connection: "paused" }),
      resumed: () => this.set({ connection: "live" }),
      error: () => this.refused(frame),
      ack: () => this.acked(frame),
    };
    handlers[frame.type]?.();
  }

  welcomed(frame) {
    const sameEpoch = frame.epoch === this.epoch;
    this.epoch = frame.epoch;
    if (!sameEpoch) this.lastSeq = 0;
    this.attempt = 0;
    this.set({ connection: "live", problem: null });
    if (this.role === "student") {
      this.studentId = frame.student_id;
      writeSession(STUDENT_KEY, { code: this.code, studentId: this.studentId, epoch: this.epoch });
      if (frame.your_answer) this.set({ answered: frame.your_answer.question_id });
      if (this.state.mode === "exploring") this.send({ type: "mode", exploring: true });
      return;
    }
    // The presenter (a new room, a reload, a reconnect): the room takes this page's state as it is now.
    writeSession(PRESENTER_KEY, { code: this.code, token: this.token, epoch: this.epoch }); // a restart: "ended"
    this.lastSeq = frame.seq;
    const state = this.store.get();
    if (state.request) this.sendCommand(restoreCommand(sharedState(state), { reason: "restore" }), this.sharedWithClass(sharedState(state)));
  }

  /** Apply an ordered frame once, in order; a gap asks for the missing ones. */
  ordered(frame, apply) {
    if (this.role === "presenter") { // its own commands come back as acks; its questions and reveals as frames
      if (frame.type !== "command") apply();
      return;
    }
    this.enqueue(async () => {
      if (frame.seq <= this.lastSeq) return;
      if (frame.seq > this.lastSeq + 1) {
        this.send({ type: "resync", epoch: this.epoch, last_seq: this.lastSeq });
        return;
      }
      this.lastSeq = frame.seq;
      await apply();
    });
  }

  enqueue(task) {
    this.queue = this.queue.then(task).catch((error) => console.warn("class frame not applied:", error));
    return this.queue;
  }

  beat(frame) {
    if (this.role === "student" && frame.epoch === this.epoch && frame.seq > this.lastSeq) {
      this.send({ type: "resync", epoch: this.epoch, last_seq: this.lastSeq });
    }
  }

  refused(frame) {
    if (frame.code === "class_ended") return this.end("class.endedRestart");
    this.set({ problem: { key: "class.serverSaid", params: { message: frame.message } } });
  }

  revealed(frame) {
    const question = this.state.question;
    return question && question.id === frame.question_id ? { ...question, expected: frame.expected } : question;
  }

  async applySnapshot(frame) {
    if (this.role !== "student") return;
    this.epoch = frame.epoch;
    let state = frame.state;
    if (!state && frame.state_ref) state = await this.fetchJson(`/api/class/rooms/${this.code}/state`);
    this.set({ question: frame.question ?? null, locked: Boolean(state?.class?.locked) });
    if (state && this.state.mode === "following") {
      const { class: _room, ...shared } = state; // the room's own part (the lock) is not the explorer's
      await restoreState(this.store, shared, [], { origin: "class" });
    }
    this.lastSeq = frame.state_seq ?? 0;
    for (const entry of frame.entries ?? []) {
      const inner = typeof entry === "string" ? JSON.parse(entry) : entry;
      if (inner.seq <= this.lastSeq) continue;
      this.lastSeq = inner.seq;
      if (inner.type === "command") await this.applyCommand(inner);
      else if (inner.type === "question") this.set({ question: inner.question, reveal: null, result: null });
      else if (inner.type === "reveal") this.set({ reveal: inner, question: this.revealed(inner) });
    }
    this.lastSeq = Math.max(this.lastSeq, frame.seq);
    if (frame.pointer !== undefined) this.pointed(frame.pointer);
  }

  async applyCommand(frame) {
    const command = frame.ref ? await this.fetchJson(`/api/class/rooms/${this.code}/commands/${frame.seq}`) : frame.command;
    if (command.type === "class") {
      this.set({ locked: Boolean(command.locked) });
      return;
    }
    if (this.state.mode !== "following") return;
    await this.store.dispatch(command, { origin: "class" }); // "class": not the student's own click
  }

  async fetchJson(url) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return response.json();
  }

  pointed(pointer) {
    if (this.state.mode !== "following") return;
    this.store.dispatch({ type: "hover", target: pointer ?? null }, { origin: "class" });
  }

  // --- the presenter's side ----------------------------------------------------------------------------------

  /** Every shared command of the presenter's page goes to the class with the shared state it led to. */
  heard(command, origin, shared) {
    if (!isShared(command)) return;
    if (this.role === "student") return this.studentActed(origin);
    if (this.role === "presenter") this.sendCommand(command, this.sharedWithClass(shared));
  }

  sharedWithClass(shared) {
    return { ...shared, class: { locked: this.state.locked } };
  }

  sendCommand(command, state) {
    // Offline, nothing is kept: the next welcome sends where the page is then.
    this.send({ type: "command", command, state, id: this.nextId++ });
  }

  sendState() {
    this.sendCommand({ type: "class", locked: this.state.locked }, this.sharedWithClass(sharedState(this.store.get())));
  }

  setLocked(locked) {
    this.set({ locked });
    this.sendState();
  }

  setProjector(projector) {
    this.set({ projector });
  }

  /** The presenter's hover is the class's pointer: latest position wins, at most 30 a second. */
  pointerMoved(state, previous) {
    if (this.role !== "presenter" || state.local.hover === previous.local.hover) return;
    this.pointerLatest = state.local.hover;
    if (this.pointerTimer) return;
    this.send({ type: "pointer", pointer: this.pointerLatest });
    this.pointerTimer = setTimeout(() => {
      this.pointerTimer = null;
      this.send({ type: "pointer", pointer: this.pointerLatest });
    }, POINTER_INTERVAL_MS);
  }

  chooseHost(host) {
    this.set({ host });
  }

  ask(question) {
    this.set({ tally: null, reveal: null });
    this.send({ type: "ask", question, id: this.nextId++ });
    this.set({ question: { ...question, id: null } });
  }

  acked(frame) {
    if (frame.question_id && this.state.question) this.set({ question: { ...this.state.question, id: frame.question_id } });
  }

  reveal() {
    const id = this.state.tally?.question_id ?? this.state.question?.id;
    if (id) this.send({ type: "reveal", question_id: id, id: this.nextId++ });
  }

  // --- the student's side ------------------------------------------------------------------------------------

  /** A student's own shared change (a click, a key) while following: explore on their own, never the teacher. */
  studentActed(origin) {
    if (origin === "class" || this.state.mode !== "following") return;
    if (this.state.locked) {
      queueMicrotask(() => this.followTeacher()); // follow only: back to the teacher's view
      return;
    }
    this.explore();
  }

  explore() {
    if (this.state.locked || this.state.mode !== "following") return;
    this.set({ mode: "exploring" });
    this.send({ type: "mode", exploring: true });
  }

  /** Back to the teacher's current state: a snapshot of the room. */
  followTeacher() {
    if (this.state.mode === "exploring") this.send({ type: "mode", exploring: false });
    this.set({ mode: "following" });
    this.send({ type: "resync", last_seq: 0 }); // no epoch: the server answers with a snapshot
  }

  answer(value, name) {
    const question = this.state.question;
    if (!question) return;
    const message = { type: "answer", question_id: question.id, answer: value };
    if (name) message.name = name;
    this.send(message);
  }
}
