import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeRegistry, validatePipeline } from '../../graph/index.js';
import type { NodeRegistry } from '../../graph/registry.js';
import type { PipelineDoc } from '../../graph/types.js';
import type { AnyNodeDefinition } from '../../base/define-node.js';
import { WorkspaceStore } from '../../store/index.js';
import type { EngineEvent } from '../events.js';
import { Engine, type EngineOptions, type RunResult } from '../executor.js';
import { fixtureNodes } from './fixture-nodes.js';
import spin from './spin-node.js';
import where from './where-node.js';
import exit from './exit-node.js';
import metricStream from './metrics-worker-node.js';
import workerModel from './model-worker-node.js';

type NodeSpec = { id: string; type: string; params?: Record<string, unknown> };

export function pipeline(nodes: NodeSpec[], edges: [string, string][], name = 'test'): PipelineDoc {
  return { format: 'tensorloom/pipeline@1', name, nodes, edges: edges.map(([from, to]) => ({ from, to })) };
}

/** A real workspace in a temp folder: store on disk, engine with the fixture nodes. */
export class Harness {
  readonly root: string;
  store: WorkspaceStore;
  engine: Engine;
  registry: NodeRegistry;
  events: EngineEvent[] = [];

  constructor(
    private readonly engineOptions: Partial<EngineOptions> = {},
    definitions: AnyNodeDefinition[] = [...fixtureNodes, spin, where, exit, workerModel, metricStream],
    /** The workspace folder (default: a fresh temp folder). */
    root?: string,
  ) {
    this.root = root ?? mkdtempSync(join(tmpdir(), 'tensorloom-engine-'));
    this.registry = composeRegistry({ builtins: definitions });
    this.store = WorkspaceStore.open(join(this.root, '.tensorloom'));
    this.engine = this.makeEngine();
  }

  private makeEngine(): Engine {
    return new Engine({ registry: this.registry, store: this.store, workspaceRoot: this.root, ...this.engineOptions });
  }

  /** Simulates an app restart: a new store connection and engine on the same folder. */
  async restart(definitions?: AnyNodeDefinition[]): Promise<void> {
    await this.engine.close();
    this.store.close();
    if (definitions) this.registry = composeRegistry({ builtins: definitions });
    this.store = WorkspaceStore.open(join(this.root, '.tensorloom'));
    this.engine = this.makeEngine();
  }

  async run(doc: PipelineDoc, options: { until?: string; signal?: AbortSignal } = {}): Promise<RunResult> {
    const validated = validatePipeline(doc, this.registry);
    if (!validated.ok) throw new Error(`invalid test pipeline: ${validated.issues.map((issue) => issue.message).join('; ')}`);
    this.events = [];
    return this.engine.run({
      pipeline: validated.pipeline,
      pipelinePath: null,
      pipelineDir: this.root,
      ...options,
      onEvent: (event) => this.events.push(event),
    });
  }

  /** Node ids that actually executed in the last result. */
  static executed(result: RunResult): string[] {
    return Object.entries(result.nodes).filter(([, node]) => node.status === 'succeeded').map(([id]) => id).sort();
  }

  static cached(result: RunResult): string[] {
    return Object.entries(result.nodes).filter(([, node]) => node.cached).map(([id]) => id).sort();
  }

  async close(): Promise<void> {
    await this.engine.close();
    this.store.close();
  }
}
