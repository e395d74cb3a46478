/**
 * The class state's shape and the pure facts a page derives from where it is (pure: no socket, no storage).
 * `Classroom` (./classroom.js) holds the state; ./view.js renders it.
 */

/** The class state the view renders; `mode` is data-mode on [data-testid=class-mode]. */
export function initialClass() {
  return {
    mode: "solo", // solo | presenter | following | exploring | ended
    connection: "offline", // offline | connecting | live | reconnecting | paused
    code: null, studentUrls: [], hint: null, host: null,
    students: 0, exploring: 0,
    locked: false, projector: false,
    questionsAsked: false, // a question was asked in this class (closed now or not): the tally says "no open question"
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

/** The join code in a /join/CODE path, or "" at /join, or null elsewhere. */
export function joinCodeFromPath(pathname) {
  const match = /^\/join(?:\/([^/]*))?\/?$/.exec(pathname);
  if (!match) return null;
  return decodeURIComponent(match[1] ?? "").trim().toUpperCase();
}

/**
 * The hello this page opens each connection with. `epoch` and `lastSeq` are the follower's: a page that has
 * applied frames asks only for the missed ones; a fresh one gets a snapshot.
 */
export function helloFor({ code, role, token, studentId, name, epoch, lastSeq }) {
  const hello = { type: "hello", code, role };
  if (role === "presenter") hello.token = token;
  if (studentId) hello.student_id = studentId;
  if (role === "student" && name) hello.name = name;
  if (epoch) hello.epoch = epoch;
  if (epoch && lastSeq > 0) hello.last_seq = lastSeq;
  return hello;
}

/** The words for a wrong code at the look-up; `wasHere`: this device was in that class (the server forgot it). */
export function lookUpProblem(reason, wasHere) {
  // A code this tab was in, unknown now: the server restarted and forgot it; the class is over.
  const said = reason === "unknown_class" && wasHere ? "class_ended" : reason;
  return { unknown_class: "class.wrongCode", class_ended: "class.codeEnded", join_code: "class.notACode",
    rate_limited: "class.tooManyTries" }[said] ?? "class.wrongCode";
}
