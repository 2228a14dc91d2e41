import { describe, expect, it } from 'vitest';
import { testCatalog } from '../test-support/catalog';
import { deployPlan, runModel, slug } from './deploy-targets';

const catalog = testCatalog;
const MODEL = `sha256:${'ab'.repeat(32)}`;

describe('deploy targets', () => {
  it('finds the model the run trained: a train node\'s model output first', () => {
    const types = { load: 'data.csv', train: 'train.dense' };
    expect(runModel({ load: { table: `sha256:${'1'.repeat(64)}` }, train: { model: MODEL } }, types, catalog)).toEqual({ node: 'train', id: MODEL });
    expect(runModel({ load: { table: `sha256:${'1'.repeat(64)}` } }, types, catalog)).toBeNull();
  });

  it('fills each target\'s commands with the saved pipeline and the model, and says what to do first when they are missing', () => {
    const ready = { pipelinePath: 'pipelines/Penguins v2.pipeline.json', pipelineName: 'Penguins v2', model: { node: 'train', id: MODEL } };
    expect(deployPlan('image', ready).commands[0]).toBe(`npx tensorloom export ${MODEL} --tag penguins-v2:1 --name penguins-v2`);
    expect(deployPlan('web', ready).commands).toEqual([`npx tensorloom export-web ${MODEL} --out penguins-v2-web`, 'open penguins-v2-web/index.html', `npx tensorloom export-web ${MODEL} --out penguins-v2-model --format esm`]);
    const argo = deployPlan('argo', ready);
    expect(argo.first).toBeNull();
    expect(argo.commands).toContain("npx tensorloom export-pipeline 'pipelines/Penguins v2.pipeline.json' --target argo --image registry.example.com/penguins-v2-batch:1 --volume-claim tensorloom-store");
    expect(argo.commands).toContain('argo submit penguins-v2.workflow.yaml --watch');

    const fresh = { pipelinePath: null, pipelineName: 'untitled', model: null };
    expect(deployPlan('image', fresh)).toMatchObject({ first: expect.stringContaining('Run the pipeline first'), commands: expect.arrayContaining(['npx tensorloom export <model id> --tag untitled:1 --name untitled']) });
    expect(deployPlan('argo', fresh).first).toContain('Save the pipeline first');
    expect(slug('  ')).toBe('pipeline');
  });
});
