/** The JSON API client: /api/presets, /api/trace, /api/predict, /api/train. Errors become ApiError with per-field messages. */
import { t } from "../i18n/i18n.js";

/** A failed request: `problems` is a list of {field, loc, type, ctx, message} (problems.js words them). */
export class ApiError extends Error {
  constructor(message, { status = 0, problems = [] } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.problems = problems;
  }
}

/** ["body", "weights", 1] → "weights[1]"; ["body", "X"] → "X". */
export function fieldName(loc = []) {
  const parts = loc[0] === "body" ? loc.slice(1) : loc;
  return parts.reduce((name, part) => (typeof part === "number" ? `${name}[${part}]` : name ? `${name}.${part}` : String(part)), "");
}

/**
 * FastAPI's error body → [{field, loc, type, ctx, message}]: `loc` without its "body" head (["layers", 1]),
 * `ctx` the core's rule and numbers when the 422 names one; plain string details, or nothing useful.
 */
export function problemsFrom(status, body) {
  const detail = body && body.detail;
  if (Array.isArray(detail)) {
    return detail.map((item) => {
      const loc = Array.isArray(item.loc) ? (item.loc[0] === "body" ? item.loc.slice(1) : item.loc) : [];
      const message = String(item.msg ?? "");
      return { field: fieldName(item.loc), loc, type: item.type ?? null, ctx: item.ctx ?? null, message };
    });
  }
  if (typeof detail === "string") return [{ field: "", loc: [], type: null, ctx: null, message: detail }];
  return [{ field: "", loc: [], type: null, ctx: null, message: t("error.http", { status }) }];
}

async function request(method, url, body) {
  let response;
  try {
    response = await fetch(url, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    const message = t("error.network", { message: error.message });
    throw new ApiError(message, { problems: [{ field: "", message }] });
  }
  const payload = await response.json().catch(() => null);
  if (!response.ok) {
    const problems = problemsFrom(response.status, payload);
    throw new ApiError(problems.map((p) => p.message).join("; "), { status: response.status, problems });
  }
  return payload;
}

/** The presets list: [{id, title: {en, ru}, description: {en, ru}, request}]. */
export async function fetchPresets() {
  const body = await request("GET", "/api/presets");
  return body.presets;
}

/** The full trace (forward, backward, update, steps, graph) for a TraceRequest body. */
export function fetchTrace(traceRequest) {
  return request("POST", "/api/trace", traceRequest);
}

/** Train `epochs` epochs from a TraceRequest body: loss history, final weights and snapshots. */
export function fetchTraining(traceRequest, epochs, snapshots = 0) {
  return request("POST", "/api/train", { ...traceRequest, epochs, snapshots });
}

/** The network's prediction ŷ for inputs X (spec fields + X, no y): {y_hat, warnings}. */
export function fetchPrediction(predictRequest) {
  return request("POST", "/api/predict", predictRequest);
}

/** A GET of a JSON resource (a preset's variant: /api/presets/{id}/variants/{n}). */
export function getJson(url) {
  return request("GET", url);
}
