/**
 * registry.register: puts a model into the workspace's model registry as the next version of
 * a name, linked to this run, the evaluation's metrics, the model's input schema, backend
 * and lineage, optionally behind a gate and moving an alias. Its effect is in the registry,
 * not in its output, so it runs every time (like data.write): a cached result would skip a
 * registration. Registering the same model bytes again gives the same version back.
 */
import { aliasProblem, defineNode, gateMetrics, GateSyntaxError, modelNameProblem, NodeError, parseGate, port, z, type Json, type MetricsValue } from '../../core/sdk/index.js';

const name = z
  .string()
  .superRefine((value, issues) => {
    const problem = modelNameProblem(value);
    if (problem !== undefined) issues.addIssue({ code: 'custom', message: problem });
  })
  .describe("The registered model's name; versions are numbered per name (e.g. penguins)");

const alias = z
  .string()
  .superRefine((value, issues) => {
    const problem = value === '' ? undefined : aliasProblem(value);
    if (problem !== undefined) issues.addIssue({ code: 'custom', message: problem });
  })
  .optional()
  .describe('Point this alias (e.g. champion) at the new version; the move is kept in the audit trail');

const gate = z
  .string()
  .superRefine((value, issues) => {
    if (value.trim() === '') return;
    try {
      parseGate(value);
    } catch (error) {
      if (error instanceof GateSyntaxError) issues.addIssue({ code: 'custom', message: error.message });
      else throw error;
    }
  })
  .optional()
  .describe("Register only when this holds, e.g. 'accuracy >= 0.9 and rocAuc >= 0.95' or 'beats champion on accuracy by 0.005'");

/** The metrics input's top-level finite numbers, by name: what a gate reads and the version keeps. */
function numbersOf(metrics: MetricsValue): Record<string, number> {
  const numbers: Record<string, number> = {};
  for (const key of Object.keys(metrics).sort()) {
    const value = metrics[key];
    if (typeof value === 'number' && Number.isFinite(value)) numbers[key] = value;
  }
  return numbers;
}

export default defineNode({
  type: 'registry.register',
  version: 1,
  category: 'registry',
  title: 'Register model',
  description: 'Adds the model to the model registry as a new version (with its metrics, input schema and lineage), optionally behind a gate, and moves an alias such as champion.',
  inputs: {
    model: port('model', { description: 'The model to register.' }),
    metrics: port('metrics', { optional: true, description: "The evaluation's metrics (eval.model): kept with the version, read by the gate." }),
  },
  outputs: {
    report: port('report', { description: 'What happened: the version (or why none), the gate checks with their numbers, the alias move, schema differences.' }),
  },
  params: z.object({
    name,
    alias,
    gate,
    onGateFail: z.enum(['skip', 'fail']).default('skip').describe("When the gate does not hold: 'skip' registers nothing and succeeds; 'fail' fails the node (for CI)"),
    description: z.string().max(5000).optional().describe('What this version is (kept with it)'),
    tags: z.record(z.string(), z.string()).default({}).describe('Key/value tags kept with the version, e.g. { "team": "ml" }'),
  }),
  cacheable: () => false,
  inputKeys: (params) => (params.gate === undefined || params.gate.trim() === '' ? [] : [{ port: 'metrics', field: 'gate', keys: gateMetrics(parseGate(params.gate)) }]),
  async run({ inputs, params }, ctx) {
    const metrics = inputs.metrics === undefined ? undefined : numbersOf(inputs.metrics);
    const gateText = params.gate === undefined || params.gate.trim() === '' ? undefined : params.gate;
    const aliasName = params.alias === undefined || params.alias === '' ? undefined : params.alias;
    const outcome = await ctx.registry.register(inputs.model, {
      name: params.name,
      tags: params.tags,
      ...(aliasName === undefined ? {} : { alias: aliasName }),
      ...(gateText === undefined ? {} : { gate: gateText }),
      ...(params.description === undefined ? {} : { description: params.description }),
      ...(metrics === undefined ? {} : { metrics }),
    });
    for (const check of outcome.gate?.checks ?? []) ctx.log(`gate: ${check.holds ? 'holds' : 'does not hold'}: ${check.detail}`);
    ctx.metric('registered', outcome.registered ? 1 : 0);
    if (!outcome.registered) {
      const why = outcome.reason ?? 'the gate does not hold';
      if (params.onGateFail === 'fail') throw new NodeError(`model '${params.name}' not registered: ${why} (onGateFail is 'fail')`, { field: 'gate' });
      ctx.log(`model '${params.name}' not registered: ${why}`, 'warn');
    } else {
      const version = outcome.version!;
      ctx.metric('version', version);
      ctx.log(outcome.created ? `registered ${params.name} version ${version}` : `${params.name} version ${version} is this very model already: nothing new registered`);
      if (outcome.alias && outcome.alias.from !== outcome.alias.to) {
        ctx.log(`alias '${outcome.alias.name}' → version ${outcome.alias.to}${outcome.alias.from === null ? ' (new alias)' : ` (was version ${outcome.alias.from})`}`);
      }
      if (outcome.schemaChange) ctx.log(`the input schema differs from ${params.name} version ${outcome.schemaChange.fromVersion}: ${outcome.schemaChange.summary}`, 'warn');
    }
    return {
      report: {
        ...(JSON.parse(JSON.stringify(outcome)) as { [key: string]: Json }),
        ...(gateText === undefined ? {} : { gateText }),
        metrics: metrics ?? null,
      },
    };
  },
});
