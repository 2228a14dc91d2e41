/**
 * Compile-time check that the renderer's restated wire types still match core's. The
 * renderer may not import core/engine (layer rule), so its copy lives in
 * renderer/src/api/protocol.ts; `npm run typecheck` fails here when the two drift apart.
 */
import type { EngineEvent as CoreEvent, NodeState as CoreNodeState } from '../core/engine/events.js';
import type { BackendName as CoreBackendName } from '../core/server/backend.js';
import type { BackendName, EngineEvent, NodeState } from '../renderer/src/api/protocol.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const assertTrue = <T extends true>(value: T) => value;

export const contractChecks = [
  assertTrue<Same<EngineEvent, CoreEvent>>(true),
  assertTrue<Same<NodeState, CoreNodeState>>(true),
  assertTrue<Same<BackendName, CoreBackendName>>(true),
];
