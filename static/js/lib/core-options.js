/**
 * What the core offers (activation, loss and init names, each activation's LaTeX), its size limits, the
 * defaults of a new network and the range of shown decimals, rendered into the page by the server from
 * app.core (body[data-core-options], see app/pages.py core_options), so nothing is copied into the scripts.
 *
 * Nothing here reads the page when imported: main.js reads the options once (readCoreOptions) and hands them
 * on — to the store and the pure modules as an argument (`core`), and to the views through useCoreOptions,
 * which sets the names below. Node's tests hand the pure modules options of their own.
 */

/** The core options a page was rendered with: the parsed data-core-options attribute of `root` (the body). */
export function readCoreOptions(root) {
  return JSON.parse(root.dataset.coreOptions);
}

export let ACTIVATION_NAMES = [];
export let LOSS_NAMES = [];
export let INIT_NAMES = [];
/** name → LaTeX of f, e.g. sigmoid → \sigma */
export let ACTIVATION_TEX = {};
/** Losses that need a sigmoid output layer and targets from 0 to 1 (bce) */
export let SIGMOID_OUTPUT_LOSSES = [];
/** app.core.LIMITS: max_layers (weight layers), max_width, max_rows, max_epochs, max_seed … */
export let LIMITS = {};
/** app.core.DEFAULTS: layers, hidden_activation, output_activation, bias, loss, learning_rate, seed, init, epochs */
export let DEFAULTS = {};
/** Shown decimals: {min, max, default} (app.core.notation.DECIMALS_*) */
export let DECIMALS = {};
/** bce's ∂L/∂ŷ is computed with ŷ clipped this far from 0 and 1 (app.core.losses.BCE_CLIP) */
export let BCE_CLIP = 0;
/** Exercise variants (app.core.variants): {min_variant, max_variant, max_count, presets, version} */
export let VARIANTS = { presets: [] };

/** Give the views the page's core options (main.js, once, before mounting them). */
export function useCoreOptions(options) {
  ({ activations: ACTIVATION_NAMES, losses: LOSS_NAMES, init_schemes: INIT_NAMES, activation_tex: ACTIVATION_TEX,
    sigmoid_output_losses: SIGMOID_OUTPUT_LOSSES, limits: LIMITS, defaults: DEFAULTS, decimals: DECIMALS,
    bce_clip: BCE_CLIP, variants: VARIANTS } = options);
}
