/**
 * "New numbers": another variant of the current preset (app/core/variants.py draws it; the API serves it as a
 * request body), shown as "variant 17". A preset too large to compute by hand has none, and the page says so.
 */
import { el } from "../lib/dom.js";
import { t } from "../i18n/i18n.js";
import { VARIANTS } from "../lib/core-options.js";
import { getJson } from "../store/api.js";
import { loadRequest } from "../store/actions.js";

/** Whether preset `presetId` has variants. */
export function hasVariants(presetId) {
  return Boolean(presetId && VARIANTS.presets.includes(presetId));
}

/** A variant number other than `current`, drawn uniformly from the allowed range. */
export function randomVariant(current = null) {
  const span = VARIANTS.max_variant - VARIANTS.min_variant + 1;
  for (;;) {
    const n = VARIANTS.min_variant + (crypto.getRandomValues(new Uint32Array(1))[0] % span);
    if (n !== current) return n;
  }
}

/** The request body of variant `variant` of `presetId`. */
export function fetchVariant(presetId, variant) {
  return getJson(`/api/presets/${encodeURIComponent(presetId)}/variants/${variant}`);
}

/** Show variant `variant` of `presetId` from its first step (iteration 0). */
export async function loadVariant(store, presetId, variant, fields = {}) {
  const request = await fetchVariant(presetId, variant);
  return loadRequest(store, request, { reason: "variant", presetId, variant, ...fields });
}

/** Mount "New numbers" and the current variant's label into `root`. */
export function mountVariantControls(root, store) {
  const button = el("button", "btn small");
  button.type = "button";
  button.dataset.testid = "variant-new";
  const label = el("span", "variant-label");
  const word = el("span", "variant-word");
  const number = el("span", "variant-number");
  number.dataset.testid = "variant";
  label.append(word, " ", number);
  root.append(button, label);
  button.addEventListener("click", async () => {
    const { presetId, variant } = store.get();
    if (!hasVariants(presetId)) return;
    button.disabled = true;
    try {
      await loadVariant(store, presetId, randomVariant(variant));
    } catch (error) {
      store.dispatch({ type: "status", status: { loading: false, error: [{ field: "", message: String(error.message) }] } });
    } finally {
      render(store.get());
    }
  });
  const render = (state) => {
    const eligible = hasVariants(state.presetId);
    button.textContent = t("variants.new");
    // In a class with each student their own numbers (editsOff, the presenter's page too) a public variant
    // would replace the class's numbers: off, saying why.
    button.disabled = !eligible || state.status.loading || Boolean(state.ownNumbers) || Boolean(state.editsOff);
    button.title = state.ownNumbers ? t("variants.ownHint") : state.editsOff ? t(state.editsOff)
      : eligible ? t("variants.newHint") : t("variants.none");
    // a public variant's number, or in a class the label of this student's own numbers (not a public variant)
    word.textContent = t(state.ownNumbers ? "variants.own" : "variants.label");
    number.textContent = state.variant ? String(state.variant) : state.ownNumbers ?? "";
    label.hidden = !state.variant && !state.ownNumbers;
  };
  store.subscribe((state, previous) => {
    if (state.variant !== previous.variant || state.presetId !== previous.presetId || state.lang !== previous.lang
      || state.status.loading !== previous.status.loading || state.ownNumbers !== previous.ownNumbers
      || state.editsOff !== previous.editsOff) render(state);
  });
  render(store.get());
}

/**
 * A link's first state with its variant (`preset=…&variant=N`): without a packed state, the variant's own
 * request is fetched (the server draws the same numbers every time); with one, the request is the link's and
 * the variant only names it. Returns {shared, warnings, variant} (variant null when the link names none).
 */
export async function withVariantRequest(first, wanted) {
  if (!first) return first;
  const variant = wanted.variant && hasVariants(first.shared.presetId) ? wanted.variant : null;
  if (!variant || wanted.state) return { ...first, variant };
  try {
    return { ...first, shared: { ...first.shared, request: await fetchVariant(first.shared.presetId, variant) }, variant };
  } catch (error) {
    return { ...first, variant: null, warnings: [...first.warnings, String(error.message)] };
  }
}
