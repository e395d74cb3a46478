/**
 * What the core offers (activation, loss and init names, each activation's LaTeX), its size limits, the
 * defaults of a new network and the range of shown decimals, rendered into the page by the server from
 * app.core (body[data-core-options], see app/pages.py core_options), so nothing is copied into the scripts.
 */
const options = JSON.parse(document.body.dataset.coreOptions);

export const ACTIVATION_NAMES = options.activations;
export const LOSS_NAMES = options.losses;
export const INIT_NAMES = options.init_schemes;
/** name → LaTeX of f, e.g. sigmoid → \sigma */
export const ACTIVATION_TEX = options.activation_tex;
/** Losses that need a sigmoid output layer and targets from 0 to 1 (bce) */
export const SIGMOID_OUTPUT_LOSSES = options.sigmoid_output_losses;
/** app.core.LIMITS: max_layers (weight layers), max_width, max_rows, max_epochs, max_seed … */
export const LIMITS = options.limits;
/** app.core.DEFAULTS: layers, hidden_activation, output_activation, bias, loss, learning_rate, seed, init, epochs */
export const DEFAULTS = options.defaults;
/** Shown decimals: {min, max, default} (app.core.notation.DECIMALS_*) */
export const DECIMALS = options.decimals;
/** bce's ∂L/∂ŷ is computed with ŷ clipped this far from 0 and 1 (app.core.losses.BCE_CLIP) */
export const BCE_CLIP = options.bce_clip;
/** Exercise variants (app.core.variants): {min_variant, max_variant, max_count, presets, version} */
export const VARIANTS = options.variants;
