/** The benchmark's pipeline: rows of CSV → split → split … chains, laid out on a grid. */
export interface BenchNode {
  id: string;
  type: string;
  params: Record<string, unknown>;
  position: { x: number; y: number };
}

export interface BenchPipeline {
  format: 'tensorloom/pipeline@1';
  name: string;
  nodes: BenchNode[];
  edges: { from: string; to: string }[];
}

export const COLUMN_GAP = 260;
export const ROW_GAP = 170;

export function generatePipeline(nodeCount: number, columns = 20): BenchPipeline {
  const nodes: BenchNode[] = [];
  const edges: { from: string; to: string }[] = [];
  for (let index = 0; index < nodeCount; index++) {
    const row = Math.floor(index / columns);
    const column = index % columns;
    const id = column === 0 ? `load${row}` : `split${row}_${column}`;
    const position = { x: column * COLUMN_GAP, y: row * ROW_GAP };
    if (column === 0) nodes.push({ id, type: 'data.csv', params: { path: 'data/penguins.csv' }, position });
    else {
      nodes.push({ id, type: 'data.split', params: { test: 0.2, seed: column }, position });
      edges.push({ from: `${nodes[index - 1]!.id}.table`, to: `${id}.table` });
    }
  }
  return { format: 'tensorloom/pipeline@1', name: `bench-${nodeCount}`, nodes, edges };
}
