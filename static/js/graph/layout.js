/**
 * Positions for the two graph views. Pure and deterministic: the same spec or graph always gives the same
 * picture, sized from the network itself (the pan/zoom viewport fits whatever size comes out).
 * Coordinates are SVG user units; y grows downwards.
 */

/** Sizes of the neuron view. Rows get tighter as layers get wider so 16 neurons still fit one column. */
export const NEURON = Object.freeze({
  radius: 15, colGap: 160, marginX: 40, headerHeight: 44, marginBottom: 16, labelAt: 0.3,
});

/** Sizes of the matrix graph's boxes and grid. */
export const BOX = Object.freeze({
  width: 72, height: 54, colGap: 126, rowGapAbove: 112, rowGapBelow: 140, margin: 16, labelLine: 14,
});

function rowGapFor(maxWidth) {
  if (maxWidth <= 3) return 78;
  if (maxWidth <= 8) return 52;
  return 40;
}

/**
 * Layout of the neuron view for `layers` (widths, inputs first) and `bias`.
 * Returns {width, height, rowGap, columns, edges, biasEdges}:
 * columns[l] = {layer: l, x, neurons: [{layer, index (1-based), x, y}], bias: {layer, x, y} | null}
 * (the bias node "1" of column l feeds layer l+1, so the output column has none);
 * edges = [{k, i, j, x1, y1, x2, y2, lx, ly}] for w^k_ij (neuron i of column k−1 → neuron j of column k),
 * with (lx, ly) where its label goes; biasEdges = [{k, j, x1, y1, x2, y2}];
 * labelsFit[k − 1] says whether layer k's edge labels can all be shown without overlapping.
 */
export function neuronLayout(layers, bias) {
  const widths = layers.map(Number);
  const last = widths.length - 1;
  const slots = widths.map((w, l) => w + (bias && l < last ? 1 : 0));
  const maxSlots = Math.max(...slots);
  const rowGap = rowGapFor(Math.max(...widths));
  const top = NEURON.headerHeight;
  const columns = widths.map((w, l) => {
    const x = NEURON.marginX + l * NEURON.colGap;
    const offset = top + ((maxSlots - slots[l]) / 2) * rowGap + rowGap / 2;
    const hasBias = bias && l < last;
    const first = hasBias ? 1 : 0;
    const neurons = Array.from({ length: w }, (_, n) => ({
      layer: l, index: n + 1, x, y: offset + (first + n) * rowGap,
    }));
    return { layer: l, x, neurons, bias: hasBias ? { layer: l, x, y: offset } : null };
  });
  const edges = [];
  const biasEdges = [];
  for (let k = 1; k <= last; k += 1) {
    for (const to of columns[k].neurons) {
      for (const from of columns[k - 1].neurons) edges.push(weightEdge(k, from, to));
      const b = columns[k - 1].bias;
      if (b) biasEdges.push({ k, j: to.index, ...trimmed(b, to) });
    }
  }
  const labelsFit = columns.slice(1).map((c) => labelsDoNotOverlap(edges.filter((e) => e.k === c.layer)));
  return {
    width: 2 * NEURON.marginX + last * NEURON.colGap,
    height: top + maxSlots * rowGap + NEURON.marginBottom,
    rowGap, columns, edges, biasEdges, labelsFit,
  };
}

function weightEdge(k, from, to) {
  const line = trimmed(from, to);
  const t = NEURON.labelAt;
  return {
    k, i: from.index, j: to.index, ...line,
    lx: line.x1 + (line.x2 - line.x1) * t, ly: line.y1 + (line.y2 - line.y1) * t,
  };
}

/** The segment between two circle centres, shortened so it starts and ends on the circles. */
function trimmed(from, to) {
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  const length = Math.hypot(dx, dy) || 1;
  const ux = (dx / length) * NEURON.radius;
  const uy = (dy / length) * NEURON.radius;
  return { x1: from.x + ux, y1: from.y + uy, x2: to.x - ux, y2: to.y - uy };
}

/** True when no two label boxes (about 34×13 units) overlap. */
export function labelsDoNotOverlap(edges, boxWidth = 34, boxHeight = 13) {
  for (let a = 0; a < edges.length; a += 1) {
    for (let b = a + 1; b < edges.length; b += 1) {
      const close = Math.abs(edges[a].lx - edges[b].lx) < boxWidth && Math.abs(edges[a].ly - edges[b].ly) < boxHeight;
      if (close) return false;
    }
  }
  return true;
}

const CHAIN_KINDS = new Set(["input", "pre", "post", "output", "loss"]);
/** Which row a node kind sits in: weights above the chain, biases and the target below it. */
const ROW_OF_KIND = { weight: -1, bias: 1, target: 1 };

/**
 * Layout of the computation graph `{nodes, edges}` (docs/contract.md, "Graph"): a left-to-right chain of
 * X, H_k, O_k, ŷ, L along the middle (column = longest path from X); each W_k above, each b_k below the node it
 * feeds, y below L. Returns {width, height, nodes: Map id → {id, x, y, row, col}, edges: [{id, source,
 * target, path, lx, ly, anchor, mx, my}]} where (x, y) is a box centre, `path` an SVG path from source to
 * target, (lx, ly) the label's first line with text-anchor `anchor`, and (mx, my) the `multiplies` marker.
 * Labels of vertical edges sit right of the edge, in the row gap; labels of chain edges sit under the chain
 * (the row below is deeper for that), so the two kinds never share space.
 */
export function matrixGraphLayout(graph) {
  const columns = chainColumns(graph);
  const nodes = new Map();
  for (const node of graph.nodes) {
    if (columns.has(node.id)) nodes.set(node.id, placeNode(node.id, columns.get(node.id), 0));
  }
  for (const node of graph.nodes) {
    if (nodes.has(node.id)) continue;
    const target = firstTarget(graph, node.id);
    const col = target !== null && columns.has(target) ? columns.get(target) : 0;
    nodes.set(node.id, placeNode(node.id, col, ROW_OF_KIND[node.kind] ?? 1));
  }
  const maxCol = Math.max(0, ...[...nodes.values()].map((n) => n.col));
  const edges = graph.edges.map((edge) => placeEdge(edge, nodes.get(edge.source), nodes.get(edge.target), maxCol));
  return {
    width: 2 * BOX.margin + maxCol * BOX.colGap + BOX.width + 24,
    height: 2 * BOX.margin + BOX.rowGapAbove + BOX.rowGapBelow + 2 * BOX.height,
    nodes, edges,
  };
}

/** Column of every chain node: the longest path to it from a chain source, so each layer gets its own column. */
function chainColumns(graph) {
  const chain = graph.nodes.filter((n) => CHAIN_KINDS.has(n.kind)).map((n) => n.id);
  const columns = new Map(chain.map((id) => [id, 0]));
  const chainEdges = graph.edges.filter((e) => columns.has(e.source) && columns.has(e.target));
  for (let pass = 0; pass < chain.length; pass += 1) {
    let changed = false;
    for (const e of chainEdges) {
      const wanted = columns.get(e.source) + 1;
      if (wanted > columns.get(e.target)) {
        columns.set(e.target, wanted);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return columns;
}

function firstTarget(graph, id) {
  const edge = graph.edges.find((e) => e.source === id);
  return edge ? edge.target : null;
}

function placeNode(id, col, row) {
  return {
    id, col, row,
    x: BOX.margin + BOX.width / 2 + col * BOX.colGap,
    y: BOX.margin + BOX.height / 2 + (row < 0 ? 0 : BOX.rowGapAbove) + (row > 0 ? BOX.rowGapBelow : 0),
  };
}

/**
 * A straight edge between box sides: horizontal edges label under their middle, vertical ones to the right.
 * The path always runs source → target, so a dash animation can follow (or reverse) the flow.
 */
function placeEdge(edge, from, to, maxCol) {
  const halfW = BOX.width / 2;
  const halfH = BOX.height / 2;
  let x1; let y1; let x2; let y2;
  if (from.row === to.row) {
    const dir = Math.sign(to.x - from.x) || 1;
    [x1, y1, x2, y2] = [from.x + dir * halfW, from.y, to.x - dir * halfW, to.y];
  } else {
    const dir = Math.sign(to.y - from.y);
    [x1, y1, x2, y2] = [from.x, from.y + dir * halfH, to.x, to.y - dir * halfH];
  }
  const midX = (x1 + x2) / 2;
  const midY = (y1 + y2) / 2;
  const horizontal = from.row === to.row;
  const left = !horizontal && to.col === maxCol; // the last column's labels read leftwards, inside the picture
  return {
    id: edge.id, source: edge.source, target: edge.target,
    path: `M${round(x1)} ${round(y1)} L${round(x2)} ${round(y2)}`,
    horizontal,
    lx: horizontal ? midX : midX + (left ? -7 : 7),
    ly: horizontal ? midY + halfH + BOX.labelLine - 2 : midY - BOX.labelLine / 2 + 4, // under the boxes' bottom
    anchor: horizontal ? "middle" : left ? "end" : "start",
    mx: horizontal ? midX : midX - 6,
    my: horizontal ? midY - 5 : midY + 4,
  };
}

/** An edge label's characters per line: two chain labels side by side (a column apart) never overlap. */
export const LABEL_CHARS = 20;

/**
 * A derivative's text as label lines: its name, then "= …" for each form, a form longer than LABEL_CHARS broken
 * at spaces (bce's ∂L/∂ŷ = 1/N (ŷ − y) ⊘ (ŷ ⊙ (1 − ŷ)) would run into its neighbour's label otherwise).
 */
export function labelLines(text, max = LABEL_CHARS) {
  const [name, ...forms] = text.split(" = ");
  const lines = [name];
  for (const form of forms) {
    let line = "=";
    for (const word of form.split(" ")) {
      if (line.length + 1 + word.length > max && line !== "=") {
        lines.push(line);
        line = word;
      } else line = `${line} ${word}`;
    }
    lines.push(line);
  }
  return lines;
}

function round(v) {
  return Math.round(v * 10) / 10;
}
