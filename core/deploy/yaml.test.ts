import { describe, expect, it } from 'vitest';
import { parseYaml, parseYamlDocuments } from './test-support/yaml.js';
import { toYaml, toYamlDocuments } from './yaml.js';

describe('toYaml', () => {
  it('writes every value so that PyYAML reads it back exactly', () => {
    const tricky = ['yes', 'No', 'on', 'OFF', 'y', 'null', '~', 'true', '1.5', '-2', '0x1F', '0o17', '.inf', '.nan', '1e3', '2026-01-01', '12:30', 'a: b', 'key:', 'x #y', '', ' lead', 'trail ', '-x', '- x', '@x', '`x', '*x', '&x', '!x', '%x', '|x', '>x', "'q", '"q', '[a]', '{a}', '?x', ',x', 'é', 'tab\there', 'node:20-bookworm-slim', 'sha256:ab', 'a,b', '${{ github.sha }}', 'back\\slash'];
    const value = {
      strings: tricky,
      numbers: [0, 1, -2.5, 1e21, 0.1, 1e-7, -3e300],
      booleans: [true, false],
      nothing: null,
      empty: { list: [], map: {} },
      blocks: ['line one\nline two', 'a\ttab\nin a block', 'crlf\r\nlines', 'kept\n\nblank line\n', 'set -e\nnpx tensorloom run "a b.json"'],
      nested: [{ a: 1, b: [{ c: 'd', e: [1, [2, 3]] }] }, [[]], { 'odd key: yes': 'v', on: 'off', '8080': 'port' }],
    };
    expect(parseYaml(toYaml(value))).toEqual(value);
  });

  it('leaves out undefined fields and writes plain scalars where that is safe', () => {
    const text = toYaml({ apiVersion: 'apps/v1', kind: 'Deployment', skipped: undefined, metadata: { name: 'penguins', labels: { 'app.kubernetes.io/name': 'penguins' } } });
    expect(text).toBe('apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: penguins\n  labels:\n    app.kubernetes.io/name: penguins\n');
  });

  it('writes several documents separated by ---', () => {
    const text = toYamlDocuments([{ kind: 'Deployment' }, { kind: 'Service' }]);
    expect(text).toBe('kind: Deployment\n---\nkind: Service\n');
    expect(parseYamlDocuments(text)).toEqual([{ kind: 'Deployment' }, { kind: 'Service' }]);
  });

  it('refuses numbers YAML cannot hold', () => {
    expect(() => toYaml({ x: Number.NaN })).toThrow(/finite/);
  });
});
