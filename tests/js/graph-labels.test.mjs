// The computation graph's edge labels (issue 14): XOR's labels near ŷ and L do not overlap, and the last
// column's labels read leftwards, inside the picture.
import { test } from "node:test";
import assert from "node:assert/strict";
import { matrixGraphLayout, labelLines, LABEL_CHARS, BOX } from "../../static/js/graph/layout.js";
import { texToText } from "../../static/js/lib/tex-text.js";
import { fixtures } from "./helpers.mjs";

const CHAR = 6; // about a label character's width in layout units (font-size 10)
const SHOWN = 2; // lines a label shows at rest (the rest when active or hovered)

test("long forms break at spaces into lines of at most LABEL_CHARS", () => {
  const lines = labelLines("∂L/∂ŷ = 1/N (ŷ − y) ⊘ (ŷ ⊙ (1 − ŷ))");
  assert.equal(lines[0], "∂L/∂ŷ");
  assert.ok(lines.every((line) => line.length <= LABEL_CHARS), lines.join(" | "));
  assert.equal(lines.slice(1).join(" "), "= 1/N (ŷ − y) ⊘ (ŷ ⊙ (1 − ŷ))");
  assert.deepEqual(labelLines("∂H₂/∂W₂ = O₁ᵀ"), ["∂H₂/∂W₂", "= O₁ᵀ"]);
});

test("XOR: no two chain labels overlap, and the last column's labels stay inside", () => {
  const graph = fixtures("xor-graph.json");
  const layout = matrixGraphLayout(graph);
  const derivative = new Map(graph.edges.map((edge) => [edge.id, texToText(edge.derivative)]));
  const width = (edge) => CHAR * Math.max(...labelLines(derivative.get(edge.id)).slice(0, SHOWN).map((line) => line.length));
  const chain = layout.edges.filter((edge) => edge.horizontal).sort((a, b) => a.lx - b.lx);
  for (let i = 1; i < chain.length; i += 1) {
    const [a, b] = [chain[i - 1], chain[i]];
    assert.ok(a.lx + width(a) / 2 <= b.lx - width(b) / 2, `${a.id} and ${b.id} overlap`);
  }
  for (const edge of layout.edges.filter((e) => !e.horizontal)) {
    const right = edge.anchor === "end" ? edge.lx : edge.lx + width(edge);
    assert.ok(right <= layout.width, `${edge.id}'s label runs out of the picture`);
  }
  assert.ok(BOX.colGap >= CHAR * LABEL_CHARS);
});
