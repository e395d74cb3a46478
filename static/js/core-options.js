/**
 * What the core offers (activation, loss and init names, each activation's LaTeX), rendered into the page by
 * the server from app.core's registries (body[data-core-options]), so no list is copied into the scripts.
 */
const options = JSON.parse(document.body.dataset.coreOptions);

export const ACTIVATION_NAMES = options.activations;
export const LOSS_NAMES = options.losses;
export const INIT_NAMES = options.init_schemes;
/** name → LaTeX of f, e.g. sigmoid → \sigma */
export const ACTIVATION_TEX = options.activation_tex;
