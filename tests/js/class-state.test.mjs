// The class state's pure parts: the join code in the path, the hello a page opens with, a wrong code's words,
// and what a tab keeps across a reload (saved-class.js, over a fake storage). Run: node --test tests/js/
import { test } from "node:test";
import assert from "node:assert/strict";
import { initialClass, joinCodeFromPath, helloFor, lookUpProblem } from "../../static/js/classroom/class-state.js";
import { savedPresenter, savePresenter, savedStudent, saveStudent, savedName, saveName, PRESENTER_KEY, STUDENT_PREFIX }
  from "../../static/js/classroom/saved-class.js";
import { fakeStorage as storage } from "./helpers.mjs";

test("the join code is read from /join/CODE (upper-cased, decoded), is empty at /join and absent elsewhere", () => {
  assert.equal(joinCodeFromPath("/join/abc234"), "ABC234");
  assert.equal(joinCodeFromPath("/join/%20xy7%20/"), "XY7");
  assert.equal(joinCodeFromPath("/join"), "");
  assert.equal(joinCodeFromPath("/join/"), "");
  assert.equal(joinCodeFromPath("/"), null);
  assert.equal(joinCodeFromPath("/joinery"), null);
  assert.equal(joinCodeFromPath("/join/A/B"), null);
});

test("each class state starts fresh: solo, offline, nothing shared between two", () => {
  const one = initialClass();
  one.roster.push({ place: 1 });
  assert.equal(one.mode, "solo");
  assert.equal(one.connection, "offline");
  assert.deepEqual(initialClass().roster, []);
});

test("a presenter's hello carries its token and never a name; a student's its id and name, never a token", () => {
  const common = { code: "ABC234", token: "t0ken", studentId: null, name: "Ann", epoch: null, lastSeq: 0 };
  assert.deepEqual(helloFor({ ...common, role: "presenter" }), { type: "hello", code: "ABC234", role: "presenter", token: "t0ken" });
  assert.deepEqual(helloFor({ ...common, role: "student", studentId: "s1" }),
    { type: "hello", code: "ABC234", role: "student", student_id: "s1", name: "Ann" });
  assert.equal("name" in helloFor({ ...common, role: "student", name: "" }), false);
});

test("a page that applied frames asks for the missed ones; one that knows only the epoch gets a snapshot", () => {
  const student = { code: "ABC234", role: "student", studentId: "s1", name: "" };
  assert.deepEqual(helloFor({ ...student, epoch: "e1", lastSeq: 7 }),
    { type: "hello", code: "ABC234", role: "student", student_id: "s1", epoch: "e1", last_seq: 7 });
  assert.equal("last_seq" in helloFor({ ...student, epoch: "e1", lastSeq: 0 }), false);
  assert.equal("last_seq" in helloFor({ ...student, epoch: null, lastSeq: 7 }), false);
});

test("a wrong code is said so by reason; an unknown one this device was in is a class that ended", () => {
  assert.equal(lookUpProblem("unknown_class", false), "class.wrongCode");
  assert.equal(lookUpProblem("unknown_class", true), "class.codeEnded");
  assert.equal(lookUpProblem("class_ended", false), "class.codeEnded");
  assert.equal(lookUpProblem("join_code", true), "class.notACode");
  assert.equal(lookUpProblem("rate_limited", false), "class.tooManyTries");
  assert.equal(lookUpProblem(undefined, false), "class.wrongCode");
});

test("a tab keeps its presenter's room, each class's student place and the name across a reload", () => {
  const tab = storage();
  const device = storage();
  savePresenter({ code: "ABC234", token: "t0ken", epoch: "e1" }, tab);
  saveStudent("ABC234", { studentId: "s1", epoch: "e1", exploring: true }, device);
  saveName("Ann", tab);
  assert.deepEqual(savedPresenter(tab), { code: "ABC234", token: "t0ken", epoch: "e1" });
  assert.deepEqual(savedStudent("ABC234", device), { studentId: "s1", epoch: "e1", exploring: true });
  assert.equal(savedStudent("XYZ789", device), null);
  assert.equal(savedName(tab), "Ann");
  assert.ok(tab.items.has(PRESENTER_KEY) && device.items.has(`${STUDENT_PREFIX}ABC234`));

  savePresenter(null, tab);
  saveStudent("ABC234", null, device);
  assert.equal(savedPresenter(tab), null);
  assert.equal(device.items.size, 0);
});

test("refused or damaged storage is as if nothing was kept: the class still works", () => {
  const refused = storage({ refuse: true });
  assert.doesNotThrow(() => savePresenter({ code: "ABC234" }, refused));
  assert.equal(savedPresenter(refused), null);
  assert.equal(savedStudent("ABC234", null), null);
  const damaged = storage();
  damaged.items.set(PRESENTER_KEY, "{not json");
  assert.equal(savedPresenter(damaged), null);
});
