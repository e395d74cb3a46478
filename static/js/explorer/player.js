/**
 * The Player owns moving between steps: first / prev / next / last, play / pause and speed.
 * Every move is a `step` command (by step id): stepping never calls the server. Playing and the speed are
 * local state; the timer only runs while state.local.playing is true, so whatever stops playing stops it.
 */
import { visibleSteps, nearestVisible } from "../lib/matrices.js";
import { goToStep } from "../store/actions.js";

const BASE_DELAY_MS = 1600; // one step per 1.6 s at 1×: time to read a formula aloud

export class Player {
  /** @param store the page store (state.js) */
  constructor(store) {
    this.store = store;
    this.timer = null;
    store.subscribe((state, previous) => {
      if (state.local.playing && !previous.local.playing) this.schedule();
      if (!state.local.playing && this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
      }
    });
  }

  visible() {
    const { trace, view } = this.store.get();
    return visibleSteps(trace, view.mergeD);
  }

  /** Position of the current step among the visible ones (0-based) and their count. */
  position() {
    const { trace, view, stepIndex } = this.store.get();
    const visible = this.visible();
    const shown = nearestVisible(trace, view.mergeD, stepIndex);
    return { index: Math.max(0, visible.indexOf(shown)), count: visible.length };
  }

  /** Jump to the visible step at `position` (clamped). */
  goToPosition(position) {
    const visible = this.visible();
    if (!visible.length) return;
    const clamped = Math.max(0, Math.min(visible.length - 1, position));
    this.goToIndex(visible[clamped]);
  }

  /** Jump to a step by its index into trace.steps (sent as its id). */
  goToIndex(stepIndex) {
    const step = this.store.get().trace?.steps[stepIndex];
    if (step) goToStep(this.store, step.id);
  }

  first() { this.goToPosition(0); }
  last() { this.goToPosition(this.position().count - 1); }
  next() { this.goToPosition(this.position().index + 1); }
  prev() { this.goToPosition(this.position().index - 1); }

  atEnd() {
    const { index, count } = this.position();
    return index >= count - 1;
  }

  /** Start playing from the current step (from the first when already at the end). */
  play() {
    if (this.atEnd()) this.first();
    this.store.dispatch({ type: "play", playing: true });
  }

  pause() {
    if (this.store.get().local.playing) this.store.dispatch({ type: "play", playing: false });
  }

  toggle() {
    if (this.store.get().local.playing) this.pause();
    else this.play();
  }

  /** Change the speed factor (0.5, 1, 2, 4); a running timer picks it up at the next tick. */
  setSpeed(speed) {
    this.store.dispatch({ type: "speed", speed });
  }

  schedule() {
    clearTimeout(this.timer);
    const delay = BASE_DELAY_MS / (this.store.get().local.speed || 1);
    this.timer = setTimeout(() => this.tick(), delay);
  }

  tick() {
    this.timer = null;
    if (!this.store.get().local.playing) return;
    if (this.atEnd()) {
      this.pause();
      return;
    }
    this.next();
    this.schedule();
  }
}

const TYPING = new Set(["INPUT", "TEXTAREA"]);
// A focused menu (the preset, the speed) keeps ↑ ↓ to change its value; ← → step like everywhere else.
const MENU_KEYS = new Set(["ArrowUp", "ArrowDown", " ", "Home", "End", "Enter"]);

function isTyping(target, key) {
  if (!(target instanceof HTMLElement)) return false;
  if (target.tagName === "SELECT") return MENU_KEYS.has(key) || key.length === 1; // a letter picks an option
  return TYPING.has(target.tagName) || target.isContentEditable;
}

/**
 * Keyboard stepping: ← → previous / next, Space play / pause, Home / End first / last.
 * Ignored while typing in a field, inside an open dialog, or with a modifier key held; on a focused menu
 * only ← → step (so picking a preset and pressing → steps); Space on a focused button is left to the button.
 */
export function bindKeys(player, root = document) {
  root.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (isTyping(event.target, event.key) || event.target.closest?.("dialog[open]")) return;
    const onButton = event.target instanceof HTMLElement && event.target.closest("button, summary, a");
    const actions = {
      ArrowRight: () => player.next(),
      ArrowLeft: () => player.prev(),
      Home: () => player.first(),
      End: () => player.last(),
      " ": onButton ? null : () => player.toggle(),
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });
}
