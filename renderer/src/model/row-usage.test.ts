import { describe, expect, it } from 'vitest';
import { rowUsage } from './row-usage';

describe('rowUsage', () => {
  it("reads data.split's and train.dense's row metrics alike", () => {
    expect(rowUsage({ train_rows: 275, validation_rows: 0, test_rows: 69 })).toBe('rows: 275 train · 0 validation · 69 test');
    expect(rowUsage({ epochs: 200, trainRows: 1275, validationRows: 0, inputs: 10 })).toBe('rows: 1,275 train · 0 validation');
  });

  it('is nothing for nodes that report no rows', () => {
    expect(rowUsage(undefined)).toBeUndefined();
    expect(rowUsage({ accuracy: 0.97 })).toBeUndefined();
  });
});
