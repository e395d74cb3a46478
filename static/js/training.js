/** The "train N epochs" form: runs /api/train from the current weights, then loads the final weights. */
import { t, formatNumber } from "./i18n.js";
import { trainEpochs } from "./actions.js";

/** Mount the form (`form` holds the epochs input) and its result line `output`. */
export function mountTraining(form, output, store) {
  const epochsInput = form.querySelector("input");
  const submit = form.querySelector("button[type=submit]");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const epochs = Number.parseInt(epochsInput.value, 10);
    if (!epochsInput.checkValidity() || !Number.isInteger(epochs)) {
      epochsInput.reportValidity();
      return;
    }
    trainEpochs(store, epochs);
  });
  const render = (state) => {
    const training = state.training;
    submit.disabled = !state.trace || Boolean(state.status.loading);
    if (state.status.training) {
      output.textContent = t("train.running");
    } else if (!training) {
      output.textContent = "";
    } else {
      const curve = training.lossHistory;
      const parts = [t("train.done", { epochs: training.epochs, from: formatNumber(curve[0], 4), to: formatNumber(curve[curve.length - 1], 4) })];
      if (training.stoppedAt != null) parts.push(t("train.stopped", { epoch: training.stoppedAt }));
      output.textContent = parts.join(" ");
    }
  };
  store.subscribe((state, previous) => {
    if (state.training !== previous.training || state.status !== previous.status || state.lang !== previous.lang) render(state);
  });
  render(store.get());
}
