import { describe, expect, it } from 'vitest';
import { areaUnder, findConfusionMatrices, findContainerImage, findRocCurves, findValidationReport, groupSeries, scalarEntries } from './report-values';

describe('values worth drawing', () => {
  const metrics = {
    accuracy: 0.93,
    perClass: { Adelie: { f1: 0.9 } },
    confusionMatrix: { labels: ['Adelie', 'Gentoo'], matrix: [[30, 2], [1, 25]] },
    roc: { Adelie: { fpr: [0, 0.1, 1], tpr: [0, 0.8, 1] }, Gentoo: { fpr: [0, 1], tpr: [0, 1], auc: 0.5 } },
  };

  it('finds a confusion matrix and ROC curves anywhere in a metrics value', () => {
    expect(findConfusionMatrices(metrics)).toEqual([{ path: 'confusionMatrix', labels: ['Adelie', 'Gentoo'], matrix: [[30, 2], [1, 25]] }]);
    const curves = findRocCurves(metrics);
    expect(curves.map((curve) => curve.name)).toEqual(['Adelie', 'Gentoo']);
    expect(curves[0]?.auc).toBeCloseTo(0.85);
    expect(curves[1]?.auc).toBe(0.5);
  });

  it('lists scalars but not the drawn structures', () => {
    expect(scalarEntries(metrics)).toEqual([
      { key: 'accuracy', value: 0.93 },
      { key: 'perClass.Adelie.f1', value: 0.9 },
    ]);
  });

  it('reads a validation report with several naming habits', () => {
    const report = findValidationReport({
      rules: [
        { rule: { column: 'age', min: 0 }, passed: false, failing: 3, examples: [{ row: 4, value: -1 }] },
        { name: 'no nulls in species', failingCount: 0 },
      ],
    });
    expect(report?.passed).toBe(false);
    expect(report?.rules[0]).toMatchObject({ name: 'column: age, min: 0', passed: false, failing: 3 });
    expect(report?.rules[1]).toMatchObject({ name: 'no nulls in species', passed: true, failing: 0 });
  });

  it('groups loss with val_loss', () => {
    const groups = groupSeries({ loss: [{ step: 1, value: 1 }], val_loss: [{ step: 1, value: 2 }], accuracy: [{ step: 1, value: 0.5 }] });
    expect(groups.map((group) => [group.title, group.lines.map((line) => line.name)])).toEqual([
      ['loss', ['loss', 'val_loss']],
      ['accuracy', ['accuracy']],
    ]);
  });

  it('integrates a diagonal to one half', () => {
    expect(areaUnder([0, 1], [0, 1])).toBe(0.5);
  });
});

describe('container image reports', () => {
  it('reads what deploy.container reports, and nothing from other values', () => {
    const report = {
      tag: 'penguins:1',
      imageId: 'sha256:abc',
      contextDir: 'deploy/penguins',
      manifests: { deployment: 'deploy/penguins/k8s/deployment.yaml', inferenceService: 'deploy/penguins/k8s/inferenceservice.yaml' },
      labels: { 'io.tensorloom.model.name': 'penguins' },
    };
    expect(findContainerImage(report)).toEqual({
      tag: 'penguins:1',
      imageId: 'sha256:abc',
      contextDir: 'deploy/penguins',
      modelName: 'penguins',
      deployment: 'deploy/penguins/k8s/deployment.yaml',
      inferenceService: 'deploy/penguins/k8s/inferenceservice.yaml',
    });
    expect(findContainerImage({ ...report, imageId: null, labels: {} })).toMatchObject({ imageId: null, modelName: 'model' });
    expect(findContainerImage({ accuracy: 0.9 })).toBeNull();
    expect(findContainerImage([report])).toBeNull();
  });
});
