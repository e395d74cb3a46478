/**
 * What went wrong, in the page's language: the editor's own checks and the API's 422s are worded from the
 * same catalogue entries ("rule.<name>"), keyed by the core's rule (the 422's ctx.rule) or pydantic's error
 * type, never by the server's English sentence. Messages do not name their field: the editor shows each
 * next to its field; the status box puts the field's label in front.
 */
import { t, tn, hasText } from "../i18n/i18n.js";

/** Rules whose message counts something: the parameter whose number picks the plural form. */
const COUNTED_BY = { ragged: "got", input_columns: "got", output_columns: "got", target_rows: "got" };
/** pydantic error types the page words itself. */
const TYPE_RULES = {
  missing: "type_missing", finite_number: "type_finite", float_type: "type_number", float_parsing: "type_number",
  int_type: "type_integer", int_parsing: "type_integer", int_from_float: "type_integer",
};
/** A request field's label in the page. */
const FIELD_LABELS = {
  layers: "editor.layers", activations: "editor.activations", bias: "editor.bias", loss: "editor.loss",
  learning_rate: "editor.lr", init: "editor.init", seed: "editor.seed", epochs: "train.epochs",
};

/** The message of rule `rule` with its numbers, in the page's language. */
export function ruleText(rule, params = {}) {
  const counted = COUNTED_BY[rule];
  return counted ? tn(`rule.${rule}`, params[counted], params) : t(`rule.${rule}`, params);
}

function knownRule(rule) {
  return Boolean(rule) && (hasText(`rule.${rule}`) || hasText(`rule.${rule}.other`));
}

/** A problem from the API ({field, loc, type, ctx, message}) as our own sentence, or null when we have none. */
export function problemMessage(problem) {
  const rule = problem.ctx?.rule;
  if (knownRule(rule)) return ruleText(rule, problem.ctx);
  const typeRule = TYPE_RULES[problem.type];
  return typeRule ? ruleText(typeRule) : null;
}

/** A field path (["layers", 1]) as the page names it: "Layer sizes", "X", "weights[1]". */
export function fieldLabel(loc = []) {
  const [root] = loc;
  if (loc.length === 1 && FIELD_LABELS[root]) return t(FIELD_LABELS[root]);
  return loc.reduce((name, part) => (typeof part === "number" ? `${name}[${part}]` : name ? `${name}.${part}` : String(part)), "");
}

/** A problem as one line for the status box: "Layer sizes: …" in the page's language. */
export function problemText(problem) {
  const own = problemMessage(problem);
  if (own === null && !problem.loc?.length) return problem.message; // network errors: already ours
  const message = own ?? t("rule.unknown");
  return problem.loc?.length ? t("error.field", { field: fieldLabel(problem.loc), message }) : message;
}
