/**
 * The peer: the same nodes and wires as a static page with no framework. Absolutely placed
 * divs with the same content per node, one SVG of bezier wires, and the least code that pans
 * (a CSS transform) and drags (one node's transform plus the paths of its wires). It is what
 * the browser must do anyway to show this graph: the floor React Flow and the stores sit on.
 */
import type { BenchPipeline } from './pipeline.js';

const escape = (text: string) => text.replace(/[&<>"]/g, (char) => `&#${char.charCodeAt(0)};`);

export function peerHtml(pipeline: BenchPipeline, view: { width: number; height: number; x: number; y: number; zoom: number }): string {
  const nodes = pipeline.nodes
    .map((node) => {
      const isSource = node.type === 'data.csv';
      const params = Object.entries(node.params)
        .map(([key, value]) => `<div class="param"><span>${escape(key)}</span><span>${escape(String(value))}</span></div>`)
        .join('');
      return `<div class="node" data-id="${node.id}" style="transform:translate(${node.position.x}px,${node.position.y}px)">
<div class="head"><span class="dot"></span><div class="titles"><div class="title">${isSource ? 'CSV file' : 'Train/test split'}</div><div class="sub">${node.id} · ${node.type}</div></div><span class="chip">not run</span></div>
<div class="ports">${isSource ? '' : '<div class="port in"><i></i>table <small>table</small></div>'}<div class="port out"><small>table</small> table<i></i></div></div>
<div class="params">${params}</div></div>`;
    })
    .join('\n');
  const data = JSON.stringify({ nodes: pipeline.nodes.map((node) => ({ id: node.id, x: node.position.x, y: node.position.y })), edges: pipeline.edges });
  return `<!doctype html><html><head><meta charset="utf-8"><title>peer</title><style>
body{margin:0;background:#111317;color:#e6e8eb;font:13px system-ui,sans-serif;overflow:hidden}
#stage{position:absolute;left:0;top:0;width:${view.width}px;height:${view.height}px;overflow:hidden;background:#111317}
#world{position:absolute;left:0;top:0;transform-origin:0 0}
svg{position:absolute;left:0;top:0;overflow:visible}
path{fill:none;stroke:#4f7cc4;stroke-width:2}
.node{position:absolute;left:0;top:0;width:212px;border:1px solid #3a404b;border-top:3px solid #3b82f6;border-radius:10px;background:#1b1e24;box-shadow:0 2px 10px rgba(0,0,0,.35);font-size:12px}
.head{display:flex;align-items:center;gap:8px;padding:8px 10px 6px}.dot{width:8px;height:8px;border-radius:2px;background:#3b82f6}
.titles{flex:1;min-width:0}.title{font-weight:600}.sub{color:#8b93a1;font:10.5px monospace;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.chip{font-size:10.5px;padding:0 7px;border-radius:9px;background:#22262e;color:#8b93a1}
.ports{display:flex;justify-content:space-between;padding:2px 0 6px;border-top:1px solid #2a2f38}
.port{position:relative;height:22px;display:flex;align-items:center;gap:6px;padding:0 12px}.port.out{margin-left:auto}
.port i{position:absolute;width:11px;height:11px;border-radius:50%;background:#60a5fa;top:50%}
.port.in i{left:0;transform:translate(-50%,-50%)}.port.out i{right:0;transform:translate(50%,-50%)}
.params{padding:6px 10px;border-top:1px solid #2a2f38}.param{display:flex;justify-content:space-between;font-size:11px}
</style></head><body><div id="stage"><div id="world"><svg id="wires" width="1" height="1"></svg>
${nodes}
</div></div><script>
const data = ${data};
const view = ${JSON.stringify(view)};
const world = document.getElementById('world');
const svg = document.getElementById('wires');
const pos = new Map(data.nodes.map((n) => [n.id, { x: n.x, y: n.y }]));
const els = new Map([...document.querySelectorAll('.node')].map((el) => [el.dataset.id, el]));
const paths = [];
const byNode = new Map();
for (const edge of data.edges) {
  const from = edge.from.split('.')[0], to = edge.to.split('.')[0];
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  svg.appendChild(path);
  const wire = { from, to, path };
  paths.push(wire);
  for (const id of [from, to]) { if (!byNode.has(id)) byNode.set(id, []); byNode.get(id).push(wire); }
}
// Port centres from the measured layout, as React Flow measures handles.
const size = new Map([...els].map(([id, el]) => [id, { w: el.offsetWidth, h: el.offsetHeight }]));
function draw(wire) {
  const a = pos.get(wire.from), b = pos.get(wire.to), sa = size.get(wire.from);
  const x1 = a.x + sa.w, y1 = a.y + 62, x2 = b.x, y2 = b.y + 62, dx = Math.max(40, (x2 - x1) / 2);
  wire.path.setAttribute('d', 'M' + x1 + ',' + y1 + ' C' + (x1 + dx) + ',' + y1 + ' ' + (x2 - dx) + ',' + y2 + ' ' + x2 + ',' + y2);
}
paths.forEach(draw);
let vx = view.x, vy = view.y;
const apply = () => { world.style.transform = 'translate(' + vx + 'px,' + vy + 'px) scale(' + view.zoom + ')'; };
apply();
let gesture = null;
document.getElementById('stage').addEventListener('mousedown', (event) => {
  const node = event.target.closest('.node');
  gesture = { node: node ? node.dataset.id : null, x: event.clientX, y: event.clientY };
});
window.addEventListener('mousemove', (event) => {
  if (!gesture) return;
  const dx = event.clientX - gesture.x, dy = event.clientY - gesture.y;
  gesture.x = event.clientX; gesture.y = event.clientY;
  if (gesture.node) {
    const p = pos.get(gesture.node); p.x += dx / view.zoom; p.y += dy / view.zoom;
    els.get(gesture.node).style.transform = 'translate(' + p.x + 'px,' + p.y + 'px)';
    (byNode.get(gesture.node) || []).forEach(draw);
  } else { vx += dx; vy += dy; apply(); }
});
window.addEventListener('mouseup', () => { gesture = null; });
</script></body></html>`;
}
