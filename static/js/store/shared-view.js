/**
 * The shared view, defined once (as TensorFlow Playground's State.PROPS drives its URL both ways): FIELDS lists
 * every field of the page's state that a link, a state file or a class carries, each with its default, its check,
 * how it is written to and read from a link, and whom it belongs to.
 *
 * - scope "class": the class shares it (a follower mirrors it), a link and a state file carry it: sharedState().
 * - scope "own": each page keeps its own, also in a class (the language); a link carries it, a state file not.
 * - scope "student": each page keeps its own, also in a class (the exercise variant: a student's own numbers); a
 *   link and a state file carry it (studentState), a class never shares it.
 * - link: {param, write(value) → text or null (left out), read(text or null) → value}: a plain hash parameter;
 *   or "packed": the field travels in the link's compressed `s` part (url.js), being too large for a parameter.
 * - grows: the field grows with a training run (the loss history, the training curve); a small command never
 *   carries it, only a complete shared state does (a link, a state file, the class's uploaded state).
 *
 * Everything else is derived from this table: state.js's initial state and sharedState, url.js's hash and state
 * file, the `load` and `restore` commands' fields and checks (commands.js), the class snapshot. Defaults and
 * checks that depend on the core (the range of decimals) take the core options (core-options.js) as `core`.
 * Pure: no DOM, so Node's test runner imports it as it is.
 */
import { LANGS } from "../i18n/i18n.js";

const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);
const isIndex = (value) => Number.isInteger(value) && value >= 0;
const orNull = (check) => (value) => value === null || check(value);

/** A cell, row, column or whole matrix: {matrix: "W2", row: 0, col: 1}; row / col null for a whole line. */
export function isTarget(value) {
  const line = (index) => index === null || index === undefined || isIndex(index);
  return isObject(value) && typeof value.matrix === "string" && line(value.row) && line(value.col);
}

const isHistory = (value) => Array.isArray(value) && value.every((p) => isObject(p) && isIndex(p.iteration));
const isTraining = (value) => isObject(value) && isIndex(value.epochs) && Array.isArray(value.lossHistory)
  && isIndex(value.from);

function intIn(text, low, high) {
  const value = Number.parseInt(text, 10);
  return Number.isInteger(value) && value >= low && value <= high ? value : undefined;
}

/** A yes/no field written as `param=on` when true (left out when false). */
const flag = (param, on = "1") => ({ param, write: (value) => (value ? on : null), read: (text) => text === on });
const BOOLEAN = { valid: (value) => typeof value === "boolean", rule: "true or false" };

/**
 * The table. Order matters only for text: hash parameters, the packed part and sharedState() list the fields
 * in this order, so a state writes the same link and state file as STATE_VERSION 1 pages did.
 */
export const FIELDS = Object.freeze([
  {
    path: ["lang"], scope: "own", default: () => "en",
    valid: (value) => LANGS.includes(value), rule: `one of ${LANGS.join(", ")}`,
    link: { param: "lang", write: (value) => value, read: (text) => (LANGS.includes(text) ? text : null) },
  },
  {
    path: ["request"], scope: "class", default: () => null,
    valid: isObject, rule: "an object (the network, data and weights)", link: "packed",
  },
  {
    path: ["presetId"], scope: "class", default: () => null,
    valid: orNull((value) => typeof value === "string"), rule: "null or a preset id",
    link: { param: "preset", write: (value) => value, read: (text) => text },
  },
  // issue 14: the exercise variant whose numbers the request holds (null: not a variant); `variant=N` with `preset=`
  {
    path: ["variant"], scope: "student", default: () => null,
    valid: (value, core) => value === null || (Number.isInteger(value) && value >= core.variants.min_variant && value <= core.variants.max_variant),
    rule: (core) => `null or a whole number from ${core.variants.min_variant} to ${core.variants.max_variant}`,
    link: {
      param: "variant", write: String,
      read: (text, core) => (text === null ? undefined : intIn(text, core.variants.min_variant, core.variants.max_variant) ?? null),
    },
  },
  // issue 14 in class: the label of a student's own numbers ("S7": drawn from the room's secret seed and the
  // student's place, not a public variant); null when the page shows the class's numbers. No link parameter.
  {
    path: ["ownNumbers"], scope: "student", default: () => null,
    valid: (value) => value === null || (typeof value === "string" && value.length >= 1 && value.length <= 16),
    rule: "null or a label of 1 to 16 characters",
  },
  { path: ["iteration"], scope: "class", default: () => 0, valid: isIndex, rule: "a whole number ≥ 0", link: "packed" },
  {
    path: ["stepId"], scope: "class", default: () => null,
    valid: orNull((value) => typeof value === "string"), rule: "null or a step id",
    link: { param: "step", write: (value) => value, read: (text) => text },
  },
  {
    path: ["lossHistory"], scope: "class", grows: true, default: () => [],
    valid: isHistory, rule: "a list of {iteration, loss}", link: "packed",
  },
  {
    path: ["training"], scope: "class", grows: true, default: () => null,
    valid: orNull(isTraining), rule: "null or {epochs, from, lossHistory, …}", link: "packed",
  },
  {
    path: ["view", "mergeD"], scope: "class", default: () => false, ...BOOLEAN,
    // left out of a link (or unreadable, as decimals): undefined, and a restore takes the default
    link: { param: "mergeD", write: (value) => (value ? "1" : "0"), read: (text) => (text === null ? undefined : text === "1") },
  },
  {
    path: ["view", "decimals"], scope: "class", default: (core) => core.decimals.default,
    valid: (value, core) => Number.isInteger(value) && value >= core.decimals.min && value <= core.decimals.max,
    rule: (core) => `a whole number from ${core.decimals.min} to ${core.decimals.max}`,
    link: {
      param: "decimals", write: String,
      read: (text, core) => (text === null ? undefined : intIn(text, core.decimals.min, core.decimals.max)),
    },
  },
  { path: ["view", "showAllRows"], scope: "class", default: () => false, ...BOOLEAN, link: flag("rows", "all") },
  { path: ["view", "dataAfter"], scope: "class", default: () => false, ...BOOLEAN, link: flag("after") },
  // "hide the next result": the class bar and the step panel's "Predict first" are this one field
  { path: ["view", "predictFirst"], scope: "class", default: () => false, ...BOOLEAN, link: flag("predict") },
  {
    path: ["view", "selected"], scope: "class", default: () => null,
    valid: orNull(isTarget), rule: "null or {matrix, row, col}",
    link: { param: "sel", write: (value) => (value ? JSON.stringify(value) : null), read: readTarget },
  },
].map((field) => Object.freeze({ ...field, name: field.path.join(".") })));

function readTarget(text) {
  if (text === null) return null;
  try {
    const value = JSON.parse(text);
    return isTarget(value) ? value : null;
  } catch {
    return null;
  }
}

const CLASS_FIELDS = FIELDS.filter((field) => field.scope === "class");
const STUDENT_FIELDS = FIELDS.filter((field) => field.scope === "student");

const getPath = (object, path) => path.reduce((value, key) => value?.[key], object);

function setPath(object, path, value) {
  let node = object;
  for (const key of path.slice(0, -1)) node = node[key] ??= {};
  node[path.at(-1)] = value;
}

function pick(state, fields) {
  const out = {};
  for (const field of fields) setPath(out, field.path, getPath(state, field.path));
  return out;
}

/** The defaults of every field (own ones too), nested as in the state: {lang, request, …, view: {…}}. */
export function defaults(core) {
  const out = {};
  for (const field of FIELDS) setPath(out, field.path, field.default(core));
  return out;
}

/**
 * The shared part of a state: every class-scoped field (network, data and weights as the request, preset,
 * iteration, step, loss history, training result, view options and selection) — what a class follower mirrors,
 * a state file holds and a `restore` command applies.
 */
export function sharedState(state) {
  return pick(state, CLASS_FIELDS);
}

/** A student's own part of a state ({variant}): a link and a state file keep it, a class never shares it. */
export function studentState(state) {
  return pick(state, STUDENT_FIELDS);
}

/** Why a student part ({variant}) is wrong, or null. */
export function studentError(student, core, prefix = "student.") {
  return fieldsError(student, STUDENT_FIELDS, core, { prefix });
}

/** Each page's own part of a state ({lang}): a class never overwrites it (what a follower keeps of itself). */
export function ownState(state) {
  return pick(state, FIELDS.filter((field) => field.scope === "own"));
}

/** The class fields that do not grow with a run (what a small `load` command may carry). */
export const SMALL_FIELDS = CLASS_FIELDS.filter((field) => !field.grows);

const ruleOf = (field, core) => (typeof field.rule === "function" ? field.rule(core) : field.rule);

/**
 * Why `value` is not a valid value of `field` ("view.decimals must be a whole number from 0 to 6, not 9"), or
 * null. `name` is how the message names it (a command names its own fields).
 */
export function fieldError(field, value, core, name = field.name) {
  return field.valid(value, core) ? null : `${name} must be ${ruleOf(field, core)}, not ${JSON.stringify(value)}`;
}

/**
 * Why an object of fields (a command's view options, a shared state's view, a whole shared state) is wrong,
 * or null. Only `fields` are allowed; `prefix` names where the object sits ("options.", "state.view.");
 * `required` names the fields that must be present.
 */
function fieldsError(object, fields, core, { prefix = "", required = [] } = {}) {
  if (!isObject(object)) return `${prefix.slice(0, -1) || "it"} must be an object`;
  const depth = fields[0]?.path.length ?? 1;
  const byKey = new Map(fields.map((field) => [field.path[depth - 1], field]));
  for (const key of required) if (!(key in object)) return `${prefix}${key} is required`;
  for (const [key, value] of Object.entries(object)) {
    const field = byKey.get(key);
    if (!field) return `${prefix}${key} is not one of ${[...byKey.keys()].join(", ")}`;
    const problem = fieldError(field, value, core, `${prefix}${key}`);
    if (problem) return problem;
  }
  return null;
}

const VIEW_FIELDS = CLASS_FIELDS.filter((field) => field.path[0] === "view");
const TOP_FIELDS = CLASS_FIELDS.filter((field) => field.path.length === 1);

/** Why a view object (all view fields optional, the selection included) is wrong, or null. */
export function viewError(view, core, prefix = "view.") {
  return fieldsError(view, VIEW_FIELDS, core, { prefix });
}

/** Why view options (an `options` command: any view field but the selection) are wrong, or null. */
export function optionsError(options, core, prefix = "options.") {
  return fieldsError(options, VIEW_FIELDS.filter((field) => field.name !== "view.selected"), core, { prefix });
}

/**
 * Why `shared` is not a complete shared state (a state file's, a class's, a `restore` command's), or null:
 * the request is required; every other field may be left out (its default applies).
 */
export function sharedError(shared, core, prefix = "state.") {
  if (!isObject(shared)) return `${prefix.slice(0, -1)} must be an object`;
  const { view, ...top } = shared;
  const problem = fieldsError(top, TOP_FIELDS, core, { prefix, required: ["request"] });
  if (problem) return problem;
  return view === undefined ? null : viewError(view, core, `${prefix}view.`);
}

/** A complete shared state: `shared`'s fields with the defaults for what it leaves out. */
export function withDefaults(shared, core) {
  const out = {};
  for (const field of CLASS_FIELDS) {
    const value = getPath(shared, field.path);
    setPath(out, field.path, value === undefined ? field.default(core) : value);
  }
  return out;
}

// --- link parameters ---------------------------------------------------------------------------------------

const PARAM_FIELDS = FIELDS.filter((field) => field.link && field.link !== "packed");
/** The fields a link carries in its compressed part, in order (request, iteration, lossHistory, training). */
export const PACKED_FIELDS = FIELDS.filter((field) => field.link === "packed").map((field) => field.name);

/** Write the plain parameters of a state (its shared part and its own fields) into `params` (URLSearchParams). */
export function writeParams(params, state) {
  for (const field of PARAM_FIELDS) {
    const value = getPath(state, field.path);
    const text = value === null || value === undefined ? null : field.link.write(value);
    if (text !== null) params.set(field.link.param, text);
  }
}

/**
 * What the plain parameters of a link say, nested as in the state ({lang, presetId, stepId, view: {…}}): a
 * parameter left out or unreadable gives null for the top-level fields and, in the view, the field's link
 * reading of nothing (false for flags; mergeD and decimals are left out, so a restore takes their defaults).
 */
export function readParams(params, core) {
  const out = { view: {} };
  for (const field of PARAM_FIELDS) {
    const value = field.link.read(params.get(field.link.param), core);
    if (value !== undefined) setPath(out, field.path, value);
  }
  return out;
}
