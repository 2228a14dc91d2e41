/**
 * The run store: what the engine reports about one run (live from the event stream, or a
 * past run read from GET /api/runs/:id). Separate from the document store: a run never
 * changes the pipeline and never enters undo history.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { EngineEvent, LogLevel, NodeState, PipelineDoc, RunRecord, SeriesPoint } from '../api/protocol';

export interface NodeRun {
  status: NodeState;
  cached: boolean;
  ms?: number;
  error?: string;
  /** 0..1 while running. */
  progress?: number;
  progressMessage?: string;
}

export interface LogLine {
  level: LogLevel;
  message: string;
}

export type RunPhase = 'idle' | 'starting' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'cancelling' | string;

export interface RunState {
  runId: string | null;
  phase: RunPhase;
  /** 'live': following the event stream; 'history': showing a past run's record. */
  source: 'live' | 'history';
  until: string | null;
  backend: string | null;
  nodes: Record<string, NodeRun>;
  metrics: Record<string, Record<string, number>>;
  series: Record<string, Record<string, SeriesPoint[]>>;
  outputs: Record<string, Record<string, string>>;
  logs: Record<string, LogLine[]>;
  startedAt: number | null;
  finishedMs: number | null;
  /** The document the run started with (what its results were computed from), when known. */
  ranWith: PipelineDoc | null;
  /** The params each node ran with, from the run's record (defaults filled). */
  params: Record<string, Record<string, unknown>>;

  /** A run of `ranWith` was requested; its id is not known yet. */
  expect(ranWith?: PipelineDoc): void;
  /** Follows run `runId` live: replays events that arrived before its id was known. */
  follow(runId: string): void;
  applyEvent(event: EngineEvent): void;
  /** Shows a stored run (history, a reload, or a resync after the socket reconnected). */
  loadRecord(record: RunRecord, source: 'live' | 'history'): void;
  setPhase(phase: RunPhase): void;
  clear(): void;
}

export type RunStore = StoreApi<RunState>;

const ACTIVE = new Set(['starting', 'running', 'cancelling']);
export const isRunActive = (phase: RunPhase) => ACTIVE.has(phase);

/** Events of runs nobody follows yet are kept this long (a POST answer can trail its first events). */
const PENDING_LIMIT = 5000;
const LOG_LIMIT = 500;

const EMPTY_RUN = {
  runId: null,
  phase: 'idle' as RunPhase,
  source: 'live' as const,
  until: null,
  backend: null,
  nodes: {},
  metrics: {},
  series: {},
  outputs: {},
  logs: {},
  startedAt: null,
  finishedMs: null,
  ranWith: null as PipelineDoc | null,
  params: {},
};

export function createRunStore(): RunStore {
  let pending: EngineEvent[] = [];
  let expecting = false;

  return createStore<RunState>()((set, get) => {
    const reduce = (event: EngineEvent) => {
      const state = get();
      switch (event.type) {
        case 'run.started': {
          const nodes: Record<string, NodeRun> = {};
          for (const id of event.nodes) nodes[id] = { status: 'queued', cached: false };
          set({ phase: state.phase === 'cancelling' ? 'cancelling' : 'running', until: event.until, nodes, startedAt: event.at, finishedMs: null });
          return;
        }
        case 'node.state': {
          const previous = state.nodes[event.nodeId];
          const next: NodeRun = { status: event.status, cached: event.cached };
          if (event.ms !== undefined) next.ms = event.ms;
          if (event.error !== undefined) next.error = event.error;
          if (event.status === 'running') next.progress = previous?.progress ?? 0;
          set({ nodes: { ...state.nodes, [event.nodeId]: next } });
          return;
        }
        case 'node.progress': {
          const previous = state.nodes[event.nodeId] ?? { status: 'running', cached: false };
          const next: NodeRun = { ...previous, progress: Math.max(0, Math.min(1, event.fraction)) };
          if (event.message !== undefined) next.progressMessage = event.message;
          set({ nodes: { ...state.nodes, [event.nodeId]: next } });
          return;
        }
        case 'node.log': {
          const lines = state.logs[event.nodeId] ?? [];
          const next = [...lines, { level: event.level, message: event.message }];
          if (next.length > LOG_LIMIT) next.splice(0, next.length - LOG_LIMIT);
          set({ logs: { ...state.logs, [event.nodeId]: next } });
          return;
        }
        case 'node.metric': {
          const patch: Partial<RunState> = {
            metrics: { ...state.metrics, [event.nodeId]: { ...state.metrics[event.nodeId], [event.name]: event.value } },
          };
          if (event.step !== undefined) {
            const nodeSeries = state.series[event.nodeId] ?? {};
            const points = nodeSeries[event.name] ?? [];
            patch.series = { ...state.series, [event.nodeId]: { ...nodeSeries, [event.name]: [...points, { step: event.step, value: event.value }] } };
          }
          set(patch);
          return;
        }
        case 'run.finished':
          set({ phase: event.status, finishedMs: event.ms });
          return;
      }
    };

    return {
      ...EMPTY_RUN,

      expect(ranWith) {
        expecting = true;
        pending = [];
        set({ ...EMPTY_RUN, phase: 'starting', ranWith: ranWith ?? null });
      },

      follow(runId) {
        expecting = false;
        const replay = pending.filter((event) => event.runId === runId);
        pending = [];
        if (get().runId !== runId) set({ ...EMPTY_RUN, runId, phase: get().phase === 'cancelling' ? 'cancelling' : 'starting', ranWith: get().ranWith });
        for (const event of replay) reduce(event);
      },

      applyEvent(event) {
        const state = get();
        if (state.source === 'live' && state.runId === event.runId) {
          reduce(event);
        } else if (expecting) {
          pending.push(event);
          if (pending.length > PENDING_LIMIT) pending.splice(0, pending.length - PENDING_LIMIT);
        }
      },

      loadRecord(record, source) {
        expecting = false;
        const nodes: Record<string, NodeRun> = {};
        for (const [id, node] of Object.entries(record.nodes ?? {})) {
          const entry: NodeRun = { status: node.status, cached: node.cached === true };
          if (typeof node.ms === 'number') entry.ms = node.ms;
          if (node.error) entry.error = node.error;
          nodes[id] = entry;
        }
        const state = get();
        const sameLiveRun = source === 'live' && state.runId === record.runId;
        set({
          runId: record.runId,
          source,
          phase: record.status,
          backend: record.backend ?? null,
          nodes,
          metrics: record.metrics ?? {},
          series: record.series ?? {},
          outputs: record.outputs ?? {},
          logs: sameLiveRun && Object.keys(state.logs).length > 0 ? state.logs : logsOf(record),
          until: sameLiveRun ? state.until : null,
          ranWith: record.document ?? (sameLiveRun ? state.ranWith : null),
          params: paramsOf(record),
        });
      },

      setPhase(phase) {
        set({ phase });
      },

      clear() {
        expecting = false;
        pending = [];
        set({ ...EMPTY_RUN });
      },
    };
  });
}

/** The params each node of a run used, as its record gives them. */
function paramsOf(record: RunRecord): Record<string, Record<string, unknown>> {
  const params: Record<string, Record<string, unknown>> = {};
  for (const [id, node] of Object.entries(record.nodes ?? {})) if (node.params && typeof node.params === 'object') params[id] = node.params;
  return params;
}

/** The stored log lines of a run, by node (the server adds `logs` to the record). */
function logsOf(record: RunRecord): Record<string, LogLine[]> {
  const logs: Record<string, LogLine[]> = {};
  for (const line of record.logs ?? []) {
    if (!line.nodeId) continue;
    (logs[line.nodeId] ??= []).push({ level: line.level, message: line.message });
  }
  return logs;
}

/** Merges a stored record into a live run without stepping back: event-stream states win until the record has caught up. */
export function mergeRecord(state: RunState, record: RunRecord): Partial<RunState> {
  const finalStates = new Set(['succeeded', 'cached', 'failed', 'cancelled', 'skipped']);
  const nodes = { ...state.nodes };
  for (const [id, stored] of Object.entries(record.nodes ?? {})) {
    const live = nodes[id];
    if (!live || (!finalStates.has(live.status) && finalStates.has(stored.status))) {
      const entry: NodeRun = { status: stored.status, cached: stored.cached === true };
      if (typeof stored.ms === 'number') entry.ms = stored.ms;
      if (stored.error) entry.error = stored.error;
      nodes[id] = entry;
    }
  }
  const series = { ...(record.series ?? {}) };
  for (const [id, live] of Object.entries(state.series)) series[id] = { ...series[id], ...live };
  const metrics: Record<string, Record<string, number>> = { ...(record.metrics ?? {}) };
  for (const [id, live] of Object.entries(state.metrics)) metrics[id] = { ...metrics[id], ...live };
  return {
    nodes,
    series,
    metrics,
    outputs: { ...state.outputs, ...(record.outputs ?? {}) },
    backend: record.backend ?? state.backend,
    ranWith: record.document ?? state.ranWith,
    params: { ...state.params, ...paramsOf(record) },
  };
}
