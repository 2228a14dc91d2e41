/** The local HTTP + WebSocket server the UI talks to. Contract: API.md; design: README.md. */
export { createServer } from './server.js';
export type { ServerOptions, TensorloomServer } from './server.js';
export { newToken } from './auth.js';
export { BACKENDS } from './backend.js';
export type { BackendInfo, BackendName } from './backend.js';
export type { ApiIssue } from './api.js';
export type { Preview, TablePreview, ColumnPreview, Histogram } from './preview.js';
export type { PipelineListing } from './workspace-files.js';
