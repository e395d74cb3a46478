/**
 * What a page does when its class socket closes (pure: the contract is passed in). A close the server made for a
 * rate (`rate_limited`: too many messages, joins or resyncs) and one that is not the application's (1006:
 * the network dropped, or the handshake was refused, e.g. a 403 from the server's new-sockets-per-second gate)
 * are worth another try: reconnect with back-off, saying so. Only the contract's `final_closes` end the class for
 * this page, each with the words that say why.
 */

/** After a rate refusal the back-off starts this many doublings up (a few seconds, not half of one). */
export const RATE_BACKOFF_STEPS = 3;

/**
 * `name`: the close's name in the contract (protocol.js closeName), or null. `finalCloses`: the contract's
 * final_closes. `hadClass`: the page was in this class already (it knows an epoch).
 * → {retry: true, backoffFrom, problem} or {retry: false, key}: the message key that says why it ended.
 */
export function afterClose(name, { finalCloses, hadClass }) {
  if (!name || !finalCloses.includes(name)) {
    const rate = name === "rate_limited";
    return { retry: true, backoffFrom: rate ? RATE_BACKOFF_STEPS : 0, problem: rate ? "class.rateRetry" : null };
  }
  if (name === "ended" || (name === "unknown_class" && hadClass)) return { retry: false, key: "class.endedRestart" };
  if (name === "unknown_class") return { retry: false, key: "class.wrongCodeShort" };
  if (name === "replaced") return { retry: false, key: "class.replaced" };
  return { retry: false, key: "class.refused" };
}
