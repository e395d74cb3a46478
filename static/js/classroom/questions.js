/**
 * The class's questions, both sides: the presenter asks and reveals and sees the tally; a student answers
 * (again, until the reveal), keeps the sent answer and, after the reveal, its verdict (per cell for a hand
 * calculation). A reload restores all of it from the welcome and the snapshot. Once revealed, a question
 * leaves the bar when the teacher moves on; one this student answered leaves it too.
 */
export class Questions {
  /** `room` is the Classroom: `state`, `set(patch)`, `send(message)`, `nextId()`. */
  constructor(room) {
    this.room = room;
  }

  // --- frames ------------------------------------------------------------------------------------------------

  asked(question) {
    const { tally, answer, answered } = this.room.state;
    if (tally?.question_id === question.id || answer?.question_id === question.id || answered === question.id) {
      this.room.set({ question: { ...this.room.state.question, ...question } }); // a replay: keep what is known
      return;
    }
    this.room.set({ question, reveal: null, result: null, answered: null, answer: null, tally: null, questionsAsked: true });
  }

  revealed(frame) {
    const question = this.room.state.question;
    const shown = question && question.id === frame.question_id ? { ...question, expected: frame.expected } : question;
    this.room.set({ reveal: frame, question: shown });
  }

  /** The question as the room holds it now (snapshot): open, or revealed with its expected answer and tally. */
  restored(question) {
    if (!question) {
      this.room.set({ question: null, reveal: null, tally: null });
      return;
    }
    const reveal = question.expected !== undefined
      ? { question_id: question.id, expected: question.expected, tally: question.tally } : null;
    const { tally, ...shown } = question;
    this.room.set({ question: shown, reveal, ...(reveal ? { tally } : {}), questionsAsked: true });
  }

  /** The welcome's `your_answer`: what this student sent, and its verdict once revealed. */
  own(yours) {
    if (!yours) return;
    const patch = { answered: yours.question_id, answer: { question_id: yours.question_id, value: yours.answer } };
    if (yours.correct !== undefined) {
      const { answer, ...verdict } = yours; // correct, and verdict, cells_right, own expected where there are
      patch.result = { ...verdict, answered: true };
    }
    this.room.set(patch);
  }

  /** The teacher moved on (a command or a new state): a revealed or answered question leaves the bar. */
  movedOn() {
    const { question, reveal, answered } = this.room.state;
    if (!question) return;
    const done = (reveal && reveal.question_id === question.id) || (this.room.role === "student" && answered === question.id);
    if (done) this.room.set({ question: null, reveal: null, tally: null });
  }

  // --- the presenter -----------------------------------------------------------------------------------------

  ask(question) {
    this.room.set({ tally: null, reveal: null, question: { ...question, id: null } });
    this.room.presenter.sendInOrder({ type: "ask", question, id: this.room.nextId() });
  }

  acked(frame) {
    const { question } = this.room.state;
    if (frame.question_id && question && question.id === null) this.room.set({ question: { ...question, id: frame.question_id } });
  }

  reveal() {
    const id = this.room.state.tally?.question_id ?? this.room.state.question?.id;
    if (id) this.room.presenter.sendInOrder({ type: "reveal", question_id: id, id: this.room.nextId() });
  }

  // --- a student ---------------------------------------------------------------------------------------------

  answer(value) {
    const { question } = this.room.state;
    if (!question) return false;
    const message = { type: "answer", question_id: question.id, answer: value };
    this.room.set({ answer: { question_id: question.id, value } });
    return this.room.send(message);
  }
}
