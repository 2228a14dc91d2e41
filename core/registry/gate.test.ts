import { describe, expect, it } from 'vitest';
import { evaluateGate, GateMetricError, gateAliases, gateMetrics, GateSyntaxError, parseGate, type Contender } from './gate.js';

const none = new Map<string, Contender | undefined>();

function syntaxError(text: string): GateSyntaxError {
  try {
    parseGate(text);
  } catch (error) {
    if (error instanceof GateSyntaxError) return error;
    throw error;
  }
  throw new Error(`'${text}' parsed`);
}

describe('gates', () => {
  it('parses comparisons joined by and, and beats checks with an optional margin', () => {
    const gate = parseGate('accuracy >= 0.9 and rocAuc>0.95 AND beats champion on accuracy by 0.005 and rmse < 3 and logLoss != 1 and r2 = 0.5');
    expect(gate.checks).toEqual([
      { kind: 'compare', metric: 'accuracy', op: '>=', value: 0.9, text: 'accuracy >= 0.9' },
      { kind: 'compare', metric: 'rocAuc', op: '>', value: 0.95, text: 'rocAuc>0.95' },
      { kind: 'beats', alias: 'champion', metric: 'accuracy', by: 0.005, text: 'beats champion on accuracy by 0.005' },
      { kind: 'compare', metric: 'rmse', op: '<', value: 3, text: 'rmse < 3' },
      { kind: 'compare', metric: 'logLoss', op: '!=', value: 1, text: 'logLoss != 1' },
      { kind: 'compare', metric: 'r2', op: '==', value: 0.5, text: 'r2 = 0.5' },
    ]);
    expect(gateMetrics(gate)).toEqual(['accuracy', 'rocAuc', 'rmse', 'logLoss', 'r2']);
    expect(gateAliases(gate)).toEqual(['champion']);
    expect(parseGate('accuracy >= 90%').checks[0]).toMatchObject({ value: 0.9 });
    expect(parseGate('beats prod on rmse').checks[0]).toMatchObject({ kind: 'beats', alias: 'prod', metric: 'rmse', by: undefined });
    expect(parseGate('r2 > -1e-3').checks[0]).toMatchObject({ value: -0.001 });
  });

  it('says what is wrong and where for a gate that does not parse', () => {
    expect(syntaxError('accuracy >= ').message).toBe("expected a number after 'accuracy >=', found the end (at column 13)");
    expect(syntaxError('accuracy 0.9').message).toBe("expected a comparison (>=, >, <=, <, ==, !=) after 'accuracy', found '0.9' (at column 10)");
    expect(syntaxError('accuracy >= 0.9 or f1Macro > 0.8').reason).toBe("'or' is not supported: a gate is checks joined by 'and'");
    expect(syntaxError('accuracy >= 0.9 f1Macro > 0.8')).toMatchObject({ column: 17, reason: "expected 'and' or the end of the gate, found 'f1Macro'" });
    expect(syntaxError('beats champion accuracy').reason).toBe("expected 'on <metric>' after 'beats champion', found 'accuracy'");
    expect(syntaxError('beats champion on accuracy by much').reason).toBe("expected a number after 'by', found 'much'");
    expect(syntaxError('beats champion on accuracy by -1').reason).toBe("'by' takes an amount of 0 or more (got -1)");
    expect(syntaxError('accuracy >= 0.9 and').reason).toBe('expected a metric name or beats <alias> on <metric>, found the end');
    expect(syntaxError('   ').reason).toContain('the gate is empty');
    expect(syntaxError('accuracy >= 0.9 ; drop table').reason).toBe("unexpected ';'");
  });

  it('evaluates comparisons with the numbers in the detail', () => {
    const result = evaluateGate(parseGate('accuracy >= 0.9 and rocAuc >= 0.95'), { accuracy: 0.93, rocAuc: 0.94 }, none);
    expect(result.holds).toBe(false);
    expect(result.checks).toEqual([
      { text: 'accuracy >= 0.9', holds: true, detail: 'accuracy 0.93 >= 0.9' },
      { text: 'rocAuc >= 0.95', holds: false, detail: 'rocAuc 0.94 not >= 0.95' },
    ]);
    expect(evaluateGate(parseGate('accuracy >= 0.9'), { accuracy: 0.9 }, none).holds).toBe(true);
  });

  it('beats: higher is better, lower for error metrics; the margin counts; no champion yet holds', () => {
    const champion = new Map([['champion', { version: 2, metrics: { accuracy: 0.95, rmse: 3 } }]]);
    const beats = (gate: string, metrics: Record<string, number>) => evaluateGate(parseGate(gate), metrics, champion).checks[0]!;
    expect(beats('beats champion on accuracy', { accuracy: 0.96 })).toEqual({ text: 'beats champion on accuracy', holds: true, detail: 'accuracy 0.96 vs champion v2 0.95: +0.01' });
    expect(beats('beats champion on accuracy', { accuracy: 0.95 }).holds).toBe(false);
    expect(beats('beats champion on accuracy by 0.005', { accuracy: 0.955 }).holds).toBe(true); // 0.005 exactly, despite floating point
    expect(beats('beats champion on accuracy by 0.005', { accuracy: 0.953 })).toMatchObject({ holds: false, detail: 'accuracy 0.953 vs champion v2 0.95: +0.003, needs a gain of at least 0.005' });
    expect(beats('beats champion on rmse', { rmse: 2.5 }).holds).toBe(true);
    expect(beats('beats champion on rmse by 1', { rmse: 2.5 })).toMatchObject({ holds: false, detail: 'rmse 2.5 vs champion v2 3: -0.5, needs a drop of at least 1' });
    expect(evaluateGate(parseGate('beats prod on accuracy'), { accuracy: 0.1 }, new Map([['prod', undefined]])).checks[0]).toMatchObject({ holds: true, detail: "no 'prod' yet: nothing to beat" });
    expect(evaluateGate(parseGate('beats champion on f1Macro'), { f1Macro: 0.9 }, champion).checks[0]).toMatchObject({ holds: false, detail: "champion v2 has no 'f1Macro' metric to compare with" });
  });

  it('a metric the evaluation does not have is an error naming what it has', () => {
    expect(() => evaluateGate(parseGate('acuracy >= 0.9'), { accuracy: 0.9, rocAuc: 1 }, none)).toThrow(GateMetricError);
    expect(() => evaluateGate(parseGate('acuracy >= 0.9'), { accuracy: 0.9, rocAuc: 1 }, none)).toThrow("the gate reads metric 'acuracy', which the metrics input does not have; it has: accuracy, rocAuc");
  });
});
