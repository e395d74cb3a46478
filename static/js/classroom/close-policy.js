/**
 * What a page does when its class socket closes (pure: the contract is passed in). A close the server made for a
 * rate (`rate_limited`: too many messages, joins or resyncs) and one that is not the application's (1006:
 * the network dropped, or the handshake was refused, e.g. a 403 from the server's new-sockets-per-second gate)
 * are worth another try: reconnect with back-off, saying so; so is `try_again` ("try again later": the room store
 * could not serve the join just now). Only the contract's `final_closes` end the class for this page, each with the
 * words that say why.
 */

/** After a rate refusal the back-off starts this many doublings up (a few seconds, not half of one). */
export const RATE_BACKOFF_STEPS = 3;
/** After a busy store (`try_again`: e.g. Redis's pool empty in a join burst) a little less: the burst spreads out. */
export const BUSY_BACKOFF_STEPS = 2;

const RETRIES = {
  rate_limited: { backoffFrom: RATE_BACKOFF_STEPS, problem: "class.rateRetry" },
  try_again: { backoffFrom: BUSY_BACKOFF_STEPS, problem: "class.busyRetry" },
};

/**
 * `name`: the close's name in the contract (protocol.js closeName), or null. `finalCloses`: the contract's
 * final_closes. `hadClass`: the page was in this class already (it knows an epoch).
 * → {retry: true, backoffFrom, problem} or {retry: false, key}: the message key that says why it ended.
 */
export function afterClose(name, { finalCloses, hadClass }) {
  if (!name || !finalCloses.includes(name)) {
    return { retry: true, ...(RETRIES[name] ?? { backoffFrom: 0, problem: null }) };
  }
  if (name === "ended" || (name === "unknown_class" && hadClass)) return { retry: false, key: "class.endedRestart" };
  if (name === "unknown_class") return { retry: false, key: "class.wrongCodeShort" };
  if (name === "replaced") return { retry: false, key: "class.replaced" };
  return { retry: false, key: "class.refused" };
}
