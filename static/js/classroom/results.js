/**
 * The class's results, the presenter's download: the answers as CSV in the page's language, of the class this
 * page presents or of the one this tab ended (kept by ./ended-class.js until the server deletes its results).
 */
import { fetchResults } from "./api.js";
import { classProtocol } from "./protocol.js";
import { resultsCsv, resultsFileName } from "./results-csv.js";
import { keepEnded, endedBefore } from "./ended-class.js";
import { tabStorage } from "./saved-class.js";
import { download } from "../lib/download.js";

export class Results {
  /** `room` is the Classroom: its role, code, token, set. */
  constructor(room) {
    this.room = room;
    this.ended = null; // {code, token, until} of the class this presenter ended (its results stay downloadable)
  }

  /** The class this presenter's page ended: its results can be downloaded until the server deletes them. */
  keep() {
    this.ended = keepEnded(tabStorage(), { code: this.room.code, token: this.room.token, now: Date.now(),
      keepSeconds: classProtocol().results_seconds });
    this.room.set({ endedCode: this.room.code });
  }

  /** After a reload: the class this tab ended, while its results are kept. */
  recall() {
    this.ended = endedBefore(tabStorage(), Date.now());
    if (this.ended) this.room.set({ endedCode: this.ended.code });
  }

  /** The answers as CSV (this class, or the one this tab ended); false when there is none or it failed. */
  async download() {
    const { code, token } = this.room.role === "presenter" ? this.room : this.ended ?? {};
    if (!code || !token) return false;
    try {
      const results = await fetchResults(code, token);
      download(resultsCsv(results), resultsFileName(code), "text/csv;charset=utf-8");
      return true;
    } catch (error) {
      this.room.set({ problem: { key: "class.results.failed", params: { message: error.message } } });
      return false;
    }
  }
}
