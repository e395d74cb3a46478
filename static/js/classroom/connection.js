/**
 * The WebSocket to the class: hello, frames in, reconnecting with a randomised back-off, and liveness — a page
 * that has heard nothing for `silent_heartbeats` heartbeats says "reconnecting" and opens a new connection
 * (the server beats every heartbeat, so silence means the link is gone even when the socket has not noticed).
 * A welcome of another protocol version than this bundle's reloads the page (an old cached bundle).
 */
import { classProtocol, closeName, path } from "./protocol.js";
import { afterClose } from "./close-policy.js";

const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 15_000;
const RELOADED_KEY = "backprop.class.reloadedFor"; // the server version this tab already reloaded for

export class Connection {
  /**
   * `hello()` builds the hello; `onFrame(frame)` hears every frame; `onStatus(status, problem)` the connection's
   * state (connecting | live | reconnecting | paused) and, when retrying after a refusal, the message key that
   * says so; `onFinal(key)` a close after which reconnecting cannot help (the key says why); `hadClass()`
   * whether the page was in this class already (close-policy.js).
   */
  constructor({ hello, onFrame, onStatus, onFinal, hadClass }) {
    Object.assign(this, { hello, onFrame, onStatus, onFinal, hadClass });
    this.socket = null;
    this.attempt = 0;
    this.heartbeatSeconds = classProtocol().heartbeat_seconds ?? 30;
    this.maxMessageBytes = classProtocol().max_message_bytes ?? Infinity;
    this.retryTimer = null;
    this.silenceTimer = null;
    this.welcomed = false;
  }

  open() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}${path("ws")}`);
    this.socket = socket;
    this.welcomed = false;
    this.onStatus(this.attempt ? "reconnecting" : "connecting");
    socket.addEventListener("open", () => socket.send(JSON.stringify(this.hello())));
    socket.addEventListener("message", (event) => {
      if (socket !== this.socket) return;
      this.heard();
      const frame = JSON.parse(event.data);
      if (frame.type === "welcome" && !this.welcome(frame)) return;
      this.onFrame(frame);
    });
    socket.addEventListener("close", (event) => this.closed(socket, event.code));
    this.heard();
  }

  welcome(frame) {
    const { version } = classProtocol();
    if (frame.protocol !== version) {
      // This page runs an older (cached) bundle than the server speaks: load the current one, once.
      let reloaded = null;
      try { reloaded = sessionStorage.getItem(RELOADED_KEY); } catch { /* private mode */ }
      if (reloaded !== String(frame.protocol)) {
        try { sessionStorage.setItem(RELOADED_KEY, String(frame.protocol)); } catch { /* private mode */ }
        this.stop();
        location.reload();
        return false;
      }
    }
    this.welcomed = true;
    this.attempt = 0;
    this.heartbeatSeconds = frame.heartbeat_seconds ?? this.heartbeatSeconds;
    this.maxMessageBytes = frame.max_message_bytes ?? this.maxMessageBytes;
    this.heard();
    return true;
  }

  /** Any frame: the link is alive; silence for `silent_heartbeats` heartbeats says it is not. */
  heard() {
    clearTimeout(this.silenceTimer);
    const silentMs = classProtocol().silent_heartbeats * this.heartbeatSeconds * 1000;
    this.silenceTimer = setTimeout(() => this.silent(), silentMs);
  }

  silent() {
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    try { socket.close(); } catch { /* already closing */ }
    this.retry();
  }

  /** Send a message now; false when there is no welcomed connection (nothing is kept: the catch-up covers it). */
  send(message) {
    const text = JSON.stringify(message);
    if (this.socket?.readyState !== WebSocket.OPEN || !this.welcomed || text.length > this.maxMessageBytes) return false;
    this.socket.send(text);
    return true;
  }

  closed(socket, code) {
    if (socket !== this.socket) return;
    this.socket = null;
    const outcome = afterClose(closeName(code), { finalCloses: classProtocol().final_closes, hadClass: this.hadClass() });
    if (!outcome.retry) {
      this.stop();
      this.onFinal(outcome.key);
      return;
    }
    this.attempt = Math.max(this.attempt, outcome.backoffFrom);
    this.retry(outcome.problem);
  }

  /** Randomised back-off: 300 phones that lost the Wi-Fi together do not come back in the same instant. */
  retry(problem = null) {
    clearTimeout(this.silenceTimer);
    this.attempt += 1;
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.min(this.attempt, 6));
    this.onStatus("reconnecting", problem);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.open(), ceiling / 2 + Math.random() * ceiling / 2);
  }

  stop() {
    clearTimeout(this.retryTimer);
    clearTimeout(this.silenceTimer);
    const socket = this.socket;
    this.socket = null;
    try { socket?.close(); } catch { /* already closed */ }
  }
}
