/**
 * The flow position at the middle of the visible canvas, read from React Flow's viewport
 * transform, for nodes added without a pointer (command palette). Centred on the node's
 * header like a drop; the placement rules move it clear of others.
 */
export function viewportCentre(): { x: number; y: number } {
  const canvas = document.querySelector('[data-testid="canvas"]');
  const viewport = document.querySelector<HTMLElement>('.react-flow__viewport');
  if (!canvas || !viewport) return { x: 0, y: 0 };
  const match = /translate\(([-\d.]+)px,\s*([-\d.]+)px\)\s*scale\(([\d.]+)\)/.exec(viewport.style.transform);
  const [x, y, zoom] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 1];
  return { x: Math.round((canvas.clientWidth / 2 - x) / zoom - 110), y: Math.round((canvas.clientHeight / 2 - y) / zoom - 40) };
}
