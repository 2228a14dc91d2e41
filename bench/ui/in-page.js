// Runs inside the benchmarked pages (added with addInitScript). Plain JavaScript on purpose:
// functions compiled by tsx would carry helper calls that do not exist in the page.

/** Resolves when `count` nodes matching `selector` are in the DOM and measured, one frame later (painted). */
window.__benchFirstRender = (selector, count) =>
  new Promise((resolve) => {
    const check = () => {
      const nodes = document.querySelectorAll(selector);
      if (nodes.length >= count && Array.from(nodes).every((node) => node.style.visibility !== 'hidden')) {
        requestAnimationFrame(() => resolve(performance.now()));
      } else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });

/**
 * Drives a pointer gesture one step per animation frame, as synthetic pointer and mouse
 * events at the element under the pointer (React Flow's d3 handlers listen to these), and
 * returns the time between frames after the warm-up.
 */
window.__benchGesture = async ({ start, frames, warmup, radius }) => {
  const fire = (kind, x, y) => {
    const target = document.elementFromPoint(x, y) || document.body;
    const init = { bubbles: true, cancelable: true, composed: true, clientX: x, clientY: y, screenX: x, screenY: y, button: 0, buttons: kind === 'up' ? 0 : 1, view: window };
    target.dispatchEvent(new PointerEvent(`pointer${kind}`, { ...init, pointerId: 1, pointerType: 'mouse', isPrimary: true }));
    target.dispatchEvent(new MouseEvent(`mouse${kind}`, init));
  };
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  fire('down', start.x, start.y);
  let last = await frame();
  const deltas = [];
  const steps = warmup + frames;
  for (let step = 0; step < steps; step++) {
    // Twice around a circle that starts and ends at the start point: the graph keeps
    // moving, stays on screen, and is back where it was for the next gesture.
    const angle = (4 * Math.PI * (step + 1)) / steps;
    fire('move', start.x + radius * Math.sin(angle), start.y + radius * (1 - Math.cos(angle)) * 0.5);
    const now = await frame();
    if (step >= warmup) deltas.push(now - last);
    last = now;
  }
  fire('up', start.x, start.y);
  await frame();
  return deltas;
};

/** A point on the empty background inside `box`, for panning. */
window.__benchEmptySpot = ({ box, isBackground }) => {
  const matches = new Function('element', `return ${isBackground};`);
  for (let y = box.y + box.height * 0.3; y < box.y + box.height * 0.9; y += 3) {
    for (let x = box.x + box.width * 0.3; x < box.x + box.width * 0.7; x += 3) {
      const hit = document.elementFromPoint(x, y);
      if (hit && matches(hit)) return { x, y };
    }
  }
  return null;
};
