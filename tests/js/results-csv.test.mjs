// The class's results as CSV: the columns, the page language's convention (lib/csv.js, which the matrices' export
// uses too), translated headers and verdicts, anonymous labels, and typed text that stays text.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setLang } from "../../static/js/i18n/i18n.js";
import { csvField, csvLine, csvFile } from "../../static/js/lib/csv.js";
import { resultsCsv, RESULT_COLUMNS } from "../../static/js/classroom/results-csv.js";

const TIME = new Date(2026, 11, 7, 13, 45, 9).getTime(); // local time, as the page shows it
const RESULTS = { records: [
  { student: "Анна; \"Ann\"", place: 1, variant: "", question: "q1", kind: "value", prompt: "ŷ, row 1?", step: "fwd:yhat",
    matrix: "y_hat", cell: [0, 0], answer: -0.5, verdict: "right", time: TIME },
  { student: "", place: 7, variant: "B-12", question: "q2", kind: "cells", prompt: "", step: "fwd:H1", matrix: "H1",
    cell: [0, 0], answer: [[1.25, null], [-2, 3]], verdict: "close", time: TIME },
  { student: "=HYPERLINK(\"x\")", place: 2, variant: "", question: "q3", kind: "sign", prompt: "", step: "bwd:dL/dW3",
    matrix: "dL/dW3", cell: [1, 0], answer: "-", verdict: "wrong", time: TIME },
] };

function lines(text) {
  assert.ok(text.startsWith("\uFEFF") && text.endsWith("\r\n"));
  return text.slice(1, -2).split("\r\n");
}

test("results in English: commas, decimal points, English headers and verdicts", () => {
  setLang("en");
  const [head, first, second, third] = lines(resultsCsv(RESULTS, "en"));
  assert.equal(head, RESULT_COLUMNS.join(","));
  assert.equal(first, '"Анна; ""Ann""",,"q1 · the value of a result cell · ŷ, row 1?","fwd:yhat · ŷ[1,1]",-0.5,right,2026-12-07 13:45:09');
  assert.equal(second, "Student 7,B-12,q2 · hand calculation of the result,fwd:H1 · H₁,[1.25 — / -2 3],close,2026-12-07 13:45:09");
  // A name that would run as a formula stays text; a field with the other language's separator is quoted too.
  assert.equal(third, '"\'=HYPERLINK(""x"")",,q3 · the sign of a result cell,"bwd:dL/dW3 · ∂L/∂W₃[2,1]",(−),wrong,2026-12-07 13:45:09');
});

test("results in Russian: semicolons, decimal commas, Russian headers, verdicts and anonymous labels", () => {
  setLang("ru");
  const [head, first, second] = lines(resultsCsv(RESULTS, "ru"));
  assert.equal(head, "студент;вариант;вопрос;шаг;ответ;оценка;время");
  assert.ok(first.includes(";-0,5;верно;"));
  assert.ok(first.endsWith(";верно;2026-12-07 13:45:09"));
  assert.ok(second.startsWith("Студент 7;B-12;"));
  assert.ok(second.includes(';"[1,25 — / -2 3]";близко;'));
  setLang("en");
});

test("the CSV convention: numbers in the language's decimal mark, text quoted, formulas kept as text", () => {
  assert.equal(csvField(0.125, "ru"), "0,125");
  assert.equal(csvField(-1e-7, "en"), "-1e-7");
  assert.equal(csvField("-Infinity", "en"), "-Infinity"); // a number the API writes as text stays a number
  assert.equal(csvField("+1 (555)", "en"), "'+1 (555)");
  assert.equal(csvField("a\nb", "en"), '"a\nb"');
  assert.equal(csvLine([1.5, "x;y"], "ru"), '1,5;"x;y"');
  assert.equal(csvFile([["a"], ["b", "c"]]), "\uFEFFa\r\n\r\nb\r\nc\r\n");
});
