/**
 * Training in chunks of epochs: each chunk is one /api/train request that continues from the weights the
 * last one reached, so the page can show progress, draw the curve as it grows and cancel between chunks.
 * Chunks give the same numbers as one long run (full-batch descent is deterministic and the weights travel
 * as shortest round-trip decimals); a link replays a run chunk by chunk the same way.
 */
import { fetchTraining } from "./api.js";

/** A run is split into about this many chunks: the curve and the progress bar move this often. */
const CHUNKS = 10;

/** Epochs per chunk for a run of `epochs`. */
export function chunkSize(epochs) {
  return Math.max(1, Math.ceil(epochs / CHUNKS));
}

/** The request that starts from a training answer's weights (and biases). */
function continuedRequest(request, result) {
  const next = { ...request, weights: result.weights };
  if (result.biases && result.biases.length) next.biases = result.biases;
  return next;
}

/**
 * Train `epochs` epochs from `request`, `chunk` at a time. After each chunk `await onChunk(run)` hears
 * run = {request: the weights reached, done: updates kept, curve: the loss after 0..done updates (plus the
 * non-finite loss when it stopped), stoppedAt: the epoch whose loss was not finite, or null}; it returns
 * false to stop there. A non-finite loss ends the run (the weights before it are kept). Returns the last run.
 */
export async function trainInChunks(request, epochs, chunk, onChunk = async () => true) {
  let run = { request, done: 0, curve: [], stoppedAt: null };
  while (run.done < epochs) {
    const size = Math.min(chunk, epochs - run.done);
    const result = await fetchTraining(run.request, size, 0);
    const stopped = result.stopped_at ?? null;
    const kept = stopped === null ? size : Math.max(0, stopped - 1);
    run = {
      request: continuedRequest(run.request, result),
      done: run.done + kept,
      curve: run.curve.length ? [...run.curve, ...result.loss_history.slice(1)] : result.loss_history,
      stoppedAt: stopped === null ? null : run.done + stopped,
    };
    const go = await onChunk(run);
    if (run.stoppedAt !== null || go === false) break;
  }
  return run;
}

/** The epochs to replay for a training record so it ends where it ended (a stopped run: until it stops). */
export function replayEpochs(training) {
  return training.stoppedAt != null ? training.requested ?? training.stoppedAt : training.epochs;
}
