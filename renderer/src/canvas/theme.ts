/** Colours that carry meaning: a node's category, a port's type, an engine state. CSS reads the same names. */
export const CATEGORY_LABELS: Record<string, string> = {
  data: 'Data',
  feature: 'Features',
  train: 'Training',
  eval: 'Evaluation',
  registry: 'Registry',
  deploy: 'Deploy',
  monitor: 'Monitoring',
  util: 'Utilities',
};

export const CATEGORY_ORDER = ['data', 'feature', 'train', 'eval', 'registry', 'deploy', 'monitor', 'util'];

export const STATUS_LABELS: Record<string, string> = {
  idle: 'not run',
  queued: 'queued',
  running: 'running',
  succeeded: 'done',
  cached: 'cached',
  failed: 'failed',
  skipped: 'skipped',
  cancelled: 'cancelled',
};

/** Series colours for charts, distinguishable on the dark background. */
export const SERIES_COLOURS = ['#60a5fa', '#f59e0b', '#34d399', '#f472b6', '#a78bfa', '#facc15', '#22d3ee', '#fb7185'];
