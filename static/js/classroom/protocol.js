/**
 * The classroom contract as the server defines it (app/classroom/protocol.py, rendered into body[data-class-
 * protocol]): message types, close codes, paths, limits and rates. Nothing of it is written again in the
 * scripts. Read only when first asked (a pure module touches no DOM at import); `useClassProtocol` sets it
 * (Node tests).
 */
let contract = null;

export function useClassProtocol(value) {
  contract = value;
}

export function classProtocol() {
  if (!contract) contract = JSON.parse(globalThis.document.body.dataset.classProtocol);
  return contract;
}

/** A path of the contract with the class's code filled in, e.g. path("state", "ABC234"). */
export function path(name, code = "") {
  return classProtocol().paths[name].replace("{code}", encodeURIComponent(code));
}

/** The name of a close code ("ended", "replaced", …), or null for one that is not the application's. */
export function closeName(code) {
  const entry = Object.entries(classProtocol().close_codes).find(([, value]) => value === code);
  return entry ? entry[0] : null;
}
