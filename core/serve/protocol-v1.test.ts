import { describe, expect, it } from 'vitest';
import { classValue, type ModelBundle } from '../ml/bundle-format.js';
import type { PredictionResult } from './predictor.js';
import { formatV1Predict, V1Answers } from './protocol-v1.js';

/** The answer text is written by hand on the hot path: it must be exactly what JSON.stringify writes. */
const classifier = (valueType: string, classes: readonly string[]) => ({ task: 'classification', classes, target: { name: 'y', valueType } }) as unknown as ModelBundle;

describe('TF Serving answers written directly', () => {
  const cases: [string, ModelBundle][] = [
    ['text labels that need escaping', classifier('string', ['Ad"elie', 'Gentoo\n', 'é\u2028'])],
    ['number labels', classifier('number', ['2', '10.5', '-0'])],
    ['boolean labels', classifier('boolean', ['false', 'true', 'true'])],
  ];
  for (const [what, bundle] of cases) {
    it(`equals JSON.stringify of the answer object, ${what}`, () => {
      const classIndex = new Int32Array([1, 0, 2]);
      // As the predictor makes them: the labels in the target's own type, probabilities as float32.
      const result: PredictionResult = {
        rows: 3,
        predictions: Array.from(classIndex, (index) => classValue(bundle, index)),
        probabilities: new Float32Array([0.1, 0.7, 0.2, Number.NaN, 1, -0, 1e-45, 3.4e38, 0.333333343]),
        classIndex,
      };
      const answers = new V1Answers(bundle);
      expect(answers.text('instances', result)).toBe(JSON.stringify(formatV1Predict('instances', result, bundle)));
      expect(answers.text('inputs', result)).toBe(JSON.stringify(formatV1Predict('inputs', result, bundle)));
      const one: PredictionResult = { rows: 1, predictions: [classValue(bundle, 2)], probabilities: new Float32Array([0.25, 0.25, 0.5]), classIndex: new Int32Array([2]) };
      expect(answers.text('instances', one)).toBe(JSON.stringify(formatV1Predict('instances', one, bundle)));
    });
  }

  it('writes regression answers as JSON.stringify does', () => {
    const bundle = { task: 'regression', classes: null, target: { name: 'mpg', valueType: 'number' } } as unknown as ModelBundle;
    const result: PredictionResult = { rows: 2, predictions: [21.5, Number.NaN], probabilities: null, classIndex: null };
    expect(new V1Answers(bundle).text('instances', result)).toBe('{"predictions":[21.5,null]}');
  });
});
