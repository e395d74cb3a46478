/**
 * The "train N epochs" form: trains from the current weights in chunks (actions.js trainEpochs), with a
 * progress bar (epochs done, current loss) and a cancel button while it runs, and a result line after it:
 * how many epochs, the loss before and after, and — for a run that stopped early — at which epoch and why.
 */
import { t, tn, formatNumber, toNumber } from "../i18n/i18n.js";
import { trainEpochs, cancelTraining } from "../store/actions.js";

/** The result line for a training record (state.training). */
export function trainingSummary(training) {
  const curve = training.lossHistory;
  const loss = (epoch) => formatNumber(curve[epoch], 4);
  const range = { from: loss(0), to: loss(training.epochs), epochs: training.epochs, requested: training.requested ?? training.epochs };
  if (training.stoppedAt != null) {
    const value = toNumber(curve[training.stoppedAt]);
    const reason = Number.isNaN(value) ? t("train.reasonNaN") : t("train.reasonInfinite");
    return t("train.stopped", { ...range, epoch: training.stoppedAt, reason });
  }
  return training.cancelled ? tn("train.cancelled", range.requested, range) : t("train.done", range);
}

/** Mount the form (`form` holds the epochs input, the progress bar and the cancel button) and its result line `output`. */
export function mountTraining(form, output, store) {
  const epochsInput = form.querySelector("input");
  const submit = form.querySelector("button[type=submit]");
  const progressBox = form.querySelector(".train-progress");
  const bar = progressBox.querySelector("progress");
  const barText = progressBox.querySelector(".train-progress-text");
  const cancel = progressBox.querySelector("[data-testid=train-cancel]");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const epochs = Number.parseInt(epochsInput.value, 10);
    if (!epochsInput.checkValidity() || !Number.isInteger(epochs)) {
      epochsInput.reportValidity();
      return;
    }
    trainEpochs(store, epochs);
  });
  cancel.addEventListener("click", () => cancelTraining(store));
  const render = (state) => {
    const running = state.status.training;
    submit.disabled = !state.trace || Boolean(state.status.loading) || Boolean(running) || Boolean(state.editsOff);
    submit.title = state.editsOff ? t(state.editsOff) : "";
    progressBox.hidden = !running;
    if (running) {
      bar.max = running.total;
      bar.value = running.done;
      const loss = running.loss == null ? "—" : formatNumber(running.loss, 4);
      barText.textContent = t(running.cancelling ? "train.cancelling" : "train.progress", { done: running.done, total: running.total, loss });
      bar.setAttribute("aria-valuetext", barText.textContent);
      cancel.textContent = t("train.cancel");
      cancel.disabled = running.cancelling;
    }
    output.textContent = state.editsOff ? t(state.editsOff) : state.training && !running ? trainingSummary(state.training) : "";
  };
  store.subscribe((state, previous) => {
    if (state.training !== previous.training || state.status !== previous.status || state.lang !== previous.lang
      || state.editsOff !== previous.editsOff) render(state);
  });
  render(store.get());
}
