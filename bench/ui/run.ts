/**
 * UI benchmark: a generated 300-node pipeline opened in the built UI (Chromium, real
 * server), against a peer measured in the same run: the same nodes and wires as a static
 * page with no framework (peer.ts), at the same size, zoom and offset.
 *
 *   npm run bench:ui [-- --nodes 300 --runs 3 --frames 240]
 *
 * Measured per page: time to first render (navigation start → every node in the DOM and
 * measured, then one more frame), and the median (and p95) frame time while panning and
 * while dragging a node. Frames are sampled with requestAnimationFrame inside the page;
 * the interaction is driven from the page too, one pointer step per frame, so every frame
 * carries work. Chromium runs with the frame-rate limit and vsync off: a frame then costs
 * what its work costs instead of snapping to 16.7 ms.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from '@playwright/test';
import { ensureUiBuilt } from '../../e2e/build-ui.js';
import { startServerProcess } from '../../e2e/server-process.js';
import { generatePipeline } from './pipeline.js';
import { peerHtml } from './peer.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] ? Number(args[at + 1]) : Number(process.env[name.toUpperCase()] ?? fallback);
};
const NODES = option('nodes', 300);
const RUNS = option('runs', 3);
const FRAMES = option('frames', 240);
const WARMUP_FRAMES = 20;
const VIEWPORT = { width: 1440, height: 900 };
const TARGETS = { firstRenderMs: 1500, frameMs: 16 };

const repo = fileURLToPath(new URL('../../', import.meta.url));

interface Sample {
  firstRenderMs: number;
  pan: number[];
  drag: number[];
  panCpu: number;
  dragCpu: number;
}

const IN_PAGE = fileURLToPath(new URL('./in-page.js', import.meta.url));

interface BenchWindow {
  __benchFirstRender(selector: string, count: number): Promise<number>;
  __benchGesture(options: { start: { x: number; y: number }; frames: number; warmup: number; radius: number }): Promise<number[]>;
  __benchEmptySpot(options: { box: { x: number; y: number; width: number; height: number }; isBackground: string }): { x: number; y: number } | null;
}

interface Gesture {
  /** Wall-clock time between frames, ms. */
  frames: number[];
  /** CPU time of the page's main thread per frame, ms (from a second, traced pass). */
  cpuPerFrame: number;
}

/**
 * Runs the gesture twice: untraced for frame times, then traced (toplevel tasks only) for
 * the renderer main thread's CPU time. On a shared machine the first includes waiting for
 * a core; the second counts only work, so it is the steadier number.
 */
async function driveGesture(page: Page, browser: Browser, start: { x: number; y: number }): Promise<Gesture> {
  const run = () => page.evaluate((options) => (window as unknown as BenchWindow).__benchGesture(options), { start, frames: FRAMES, warmup: WARMUP_FRAMES, radius: 120 });
  const frames = await run();
  const tracePath = join(tmpdir(), `tensorloom-bench-ui-${process.pid}.json`);
  await browser.startTracing(page, { path: tracePath, categories: ['toplevel', '__metadata'] });
  await run();
  await browser.stopTracing();
  const trace = JSON.parse(readFileSync(tracePath, 'utf8')) as { traceEvents: TraceEvent[] };
  rmSync(tracePath, { force: true });
  return { frames, cpuPerFrame: mainThreadCpuMs(trace.traceEvents) / (FRAMES + WARMUP_FRAMES) };
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  tdur?: number;
  args?: { name?: string };
}

/** CPU time of top-level tasks on renderer main threads (only the benchmarked page has one busy). */
function mainThreadCpuMs(events: TraceEvent[]): number {
  const mainThreads = new Set(events.filter((event) => event.name === 'thread_name' && event.args?.name === 'CrRendererMain').map((event) => `${event.pid}:${event.tid}`));
  let total = 0;
  for (const event of events) {
    if (event.ph === 'X' && event.tdur !== undefined && event.name === 'ThreadControllerImpl::RunTask' && mainThreads.has(`${event.pid}:${event.tid}`)) total += event.tdur;
  }
  return total / 1000;
}

async function firstRender(page: Page, selector: string): Promise<number> {
  return page.evaluate(({ selector, count }) => (window as unknown as BenchWindow).__benchFirstRender(selector, count), { selector, count: NODES });
}

/** A point on the empty background (not on a node), for panning. */
async function emptySpot(page: Page, box: { x: number; y: number; width: number; height: number }, isBackground: string): Promise<{ x: number; y: number }> {
  const point = await page.evaluate((options) => (window as unknown as BenchWindow).__benchEmptySpot(options), { box, isBackground });
  if (!point) throw new Error('no empty spot to pan from');
  return point;
}

async function measureApp(browser: Browser, launchUrl: string, pipelinePath: string): Promise<{ sample: Sample; view: { width: number; height: number; x: number; y: number; zoom: number } }> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  await page.addInitScript({ path: IN_PAGE });
  const url = new URL(launchUrl);
  url.searchParams.set('pipeline', pipelinePath);
  await page.goto(url.toString());
  const firstRenderMs = await firstRender(page, '.react-flow__node');
  // The app fits the view after opening; let that settle before reading it.
  await page.waitForTimeout(500);
  const canvas = (await page.locator('.react-flow').boundingBox())!;
  const transform = await page.locator('.react-flow__viewport').evaluate((element) => new DOMMatrixReadOnly(getComputedStyle(element).transform));
  const view = { width: Math.round(canvas.width), height: Math.round(canvas.height), x: transform.e, y: transform.f, zoom: transform.a };
  const pan = await driveGesture(page, browser, await emptySpot(page, canvas, "element.classList.contains('react-flow__pane')"));
  const header = await page.locator(`[data-id="${middleNodeId()}"] .tl-node__header`).boundingBox();
  if (!header) throw new Error('the node to drag is not on screen');
  const drag = await driveGesture(page, browser, { x: header.x + header.width / 2, y: header.y + header.height / 2 });
  await context.close();
  return { sample: { firstRenderMs, pan: pan.frames, drag: drag.frames, panCpu: pan.cpuPerFrame, dragCpu: drag.cpuPerFrame }, view };
}

async function measurePeer(browser: Browser, file: string): Promise<Sample> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  await page.addInitScript({ path: IN_PAGE });
  await page.goto(pathToFileURL(file).toString());
  const firstRenderMs = await firstRender(page, '.node');
  await page.waitForTimeout(500);
  const stage = (await page.locator('#stage').boundingBox())!;
  const pan = await driveGesture(page, browser, await emptySpot(page, stage, "!element.closest('.node')"));
  const node = (await page.locator(`.node[data-id="${middleNodeId()}"] .head`).boundingBox())!;
  const drag = await driveGesture(page, browser, { x: node.x + node.width / 2, y: node.y + node.height / 2 });
  await context.close();
  return { firstRenderMs, pan: pan.frames, drag: drag.frames, panCpu: pan.cpuPerFrame, dragCpu: drag.cpuPerFrame };
}

function middleNodeId(): string {
  const pipeline = generatePipeline(NODES);
  return pipeline.nodes[Math.floor(NODES / 2) + 10]!.id;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

async function main() {
  ensureUiBuilt();
  const workspace = mkdtempSync(join(tmpdir(), 'tensorloom-bench-ui-'));
  const pipeline = generatePipeline(NODES);
  const pipelinePath = `bench-${NODES}.pipeline.json`;
  writeFileSync(join(workspace, pipelinePath), JSON.stringify(pipeline, null, 2));
  mkdirSync(join(workspace, 'data'));
  cpSync(join(repo, 'examples', 'data', 'penguins.csv'), join(workspace, 'data', 'penguins.csv'));
  const server = await startServerProcess({ E2E_WORKSPACE: workspace, E2E_SEED: '0' });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-gpu-vsync', '--disable-frame-rate-limit'],
  });
  const app: Sample[] = [];
  const peer: Sample[] = [];
  try {
    for (let run = 1; run <= RUNS; run++) {
      const measured = await measureApp(browser, server.info.launchUrl, pipelinePath);
      app.push(measured.sample);
      const peerFile = join(workspace, 'peer.html');
      writeFileSync(peerFile, peerHtml(pipeline, measured.view));
      peer.push(await measurePeer(browser, peerFile));
      const last = (samples: Sample[]) => samples[samples.length - 1]!;
      console.log(
        `run ${run}/${RUNS}: tensorloom first render ${last(app).firstRenderMs.toFixed(0)} ms, pan ${median(last(app).pan).toFixed(2)} ms (cpu ${last(app).panCpu.toFixed(2)}), drag ${median(last(app).drag).toFixed(2)} ms (cpu ${last(app).dragCpu.toFixed(2)})` +
          ` | peer ${last(peer).firstRenderMs.toFixed(0)} ms, ${median(last(peer).pan).toFixed(2)} ms (cpu ${last(peer).panCpu.toFixed(2)}), ${median(last(peer).drag).toFixed(2)} ms (cpu ${last(peer).dragCpu.toFixed(2)})` +
          `  (view ${measured.view.width}×${measured.view.height} at zoom ${measured.view.zoom.toFixed(3)})`,
      );
    }
  } finally {
    await browser.close();
    await server.stop();
    rmSync(workspace, { recursive: true, force: true });
  }

  const summary = (samples: Sample[]) => ({
    firstRender: median(samples.map((sample) => sample.firstRenderMs)),
    pan: median(samples.flatMap((sample) => sample.pan)),
    panP95: percentile(samples.flatMap((sample) => sample.pan), 95),
    drag: median(samples.flatMap((sample) => sample.drag)),
    dragP95: percentile(samples.flatMap((sample) => sample.drag), 95),
    panCpu: median(samples.map((sample) => sample.panCpu)),
    dragCpu: median(samples.map((sample) => sample.dragCpu)),
  });
  const ours = summary(app);
  const floor = summary(peer);
  const row = (label: string, a: number, b: number, target?: string) =>
    `| ${label} | ${a.toFixed(label.includes('render') ? 0 : 2)} | ${b.toFixed(label.includes('render') ? 0 : 2)} | ${(a / b).toFixed(2)} | ${target ?? ''} |`;
  console.log(`\n${NODES} nodes, ${pipeline.edges.length} wires; ${RUNS} runs × ${FRAMES} frames per gesture; Chromium ${browser.version()}`);
  console.log('| ms | tensorloom | peer (static page) | ratio | target |');
  console.log('| --- | --- | --- | --- | --- |');
  console.log(row('time to first render (median)', ours.firstRender, floor.firstRender, `< ${TARGETS.firstRenderMs}: ${ours.firstRender < TARGETS.firstRenderMs ? 'met' : 'MISSED'}`));
  console.log(row('pan, median frame', ours.pan, floor.pan, `≤ ${TARGETS.frameMs}: ${ours.pan <= TARGETS.frameMs ? 'met' : 'MISSED'}`));
  console.log(row('pan, p95 frame', ours.panP95, floor.panP95));
  console.log(row('drag a node, median frame', ours.drag, floor.drag, `≤ ${TARGETS.frameMs}: ${ours.drag <= TARGETS.frameMs ? 'met' : 'MISSED'}`));
  console.log(row('drag a node, p95 frame', ours.dragP95, floor.dragP95));
  console.log(row('pan, main-thread CPU per frame (traced pass)', ours.panCpu, floor.panCpu));
  console.log(row('drag, main-thread CPU per frame (traced pass)', ours.dragCpu, floor.dragCpu));
  console.log(`load average during the run: ${loadavg().map((value) => value.toFixed(2)).join(' ')} on ${cpus().length} cores`);
}

await main();
