/** Reads YAML back with PyYAML (python3), the way other tools will read what the export writes. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

// Debian's Python, whose python3-yaml .ci/run installs; another python3 on PATH may lack PyYAML.
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

const READ = 'import sys, json, yaml; print(json.dumps(list(yaml.safe_load_all(sys.stdin)), default=str))';

/** Every document in `text`, as PyYAML's safe loader reads it. */
export function parseYamlDocuments(text: string): unknown[] {
  const result = spawnSync(PYTHON, ['-c', READ], { input: text, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`PyYAML could not read the YAML: ${result.stderr}`);
  return JSON.parse(result.stdout) as unknown[];
}

export function parseYaml(text: string): unknown {
  const documents = parseYamlDocuments(text);
  if (documents.length !== 1) throw new Error(`expected one YAML document, got ${documents.length}`);
  return documents[0];
}
