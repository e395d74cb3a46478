/**
 * Each student their own numbers (variants), a page's side of it: the room's mode (its `variants` frame, a
 * snapshot) and, for a following student, the own numbers shown in place of the class's (fetched once per
 * preset and iteration). The presenter's side (switching it, showing a student) is in ./presenter.js.
 */
import { fetchNumbers } from "./api.js";
import { classProtocol } from "./protocol.js";

const EDITS_OFF = "class.variantsEditsOff";

/**
 * Which own numbers a page shows with the room state `shared` (pure): null (the class's), {tooFar: max} (past
 * the server's bound on a student's own numbers), or {key, iteration} (the cache key and the class's iteration).
 */
export function ownNumbersAt(shared, { role, preset, maxIteration }) {
  if (role !== "student" || !preset || shared.presetId !== preset) return null;
  const iteration = shared.iteration ?? 0;
  if (iteration > maxIteration) return { tooFar: maxIteration };
  return { key: `${preset}:${iteration}`, iteration };
}

export class OwnNumbers {
  /** `room` is the Classroom: its role, code, studentId, state, set, presenter. */
  constructor(room, store) {
    this.room = room;
    this.store = store;
    this.cache = new Map(); // a student's own numbers per (preset, iteration): promises of the server's answer
  }

  /** Another class (a join): none of its numbers are known yet. */
  forget() {
    this.cache = new Map();
  }

  /**
   * The room's variants mode changed (its frame, a snapshot): training and edits are off while it is on. A
   * following student's numbers (own or the class's) come with the `state` frame the presenter's page uploads
   * right after the switch (Presenter.sendVariants): no snapshot is asked for.
   */
  modeChanged(preset) {
    const variants = preset ?? null;
    if (variants === this.room.state.variants) return;
    this.room.set({ variants });
    this.store.dispatch({ type: "editsOff", editsOff: variants ? EDITS_OFF : null });
    if (this.room.role === "presenter" && !variants) this.room.presenter.showClass();
  }

  /**
   * What this page shows of a room state: a student in variants mode gets their own request (and its loss
   * history) at the class's iteration; step, view options and iteration stay the teacher's. {state, ownNumbers}
   */
  async shownState(shared) {
    const room = this.room;
    const at = ownNumbersAt(shared, { role: room.role, preset: room.state.variants,
      maxIteration: classProtocol().questions.max_iteration });
    const classes = { state: shared, ownNumbers: null };
    if (!at) {
      if (room.state.own) room.set({ own: null });
      return classes;
    }
    if (at.tooFar !== undefined) {
      room.set({ own: null, problem: { key: "class.ownTooFar", params: { max: at.tooFar } } });
      return classes;
    }
    try {
      if (!this.cache.has(at.key)) this.cache.set(at.key, fetchNumbers(room.code, room.studentId, at.iteration));
      const own = await this.cache.get(at.key);
      room.set({ own: { label: own.label, place: own.place } });
      return { state: { ...shared, request: own.request, lossHistory: own.loss_history, training: null },
        ownNumbers: own.label };
    } catch (error) {
      this.cache.delete(at.key);
      room.set({ problem: { key: "class.serverSaid", params: { message: error.message } } });
      return classes;
    }
  }
}
