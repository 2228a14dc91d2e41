import { dim, UsageError } from '../output.js';
import { findWorkspace, openStore } from '../workspace.js';

/**
 * `tensorloom tag <runId> key=value…`: sets tags on a run; `key=` (nothing after '=')
 * removes one. Prints the run's tags afterwards.
 */
export function tagCommand(options: { runId: string; pairs: string[]; json: boolean; workspace?: string }): number {
  if (options.pairs.length === 0) throw new UsageError("'tensorloom tag' expects a run id and at least one key=value (key= removes a tag)");
  const changes: Record<string, string | null> = {};
  for (const pair of options.pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new UsageError(`'${pair}': write key=value (or key= to remove the tag)`);
    const value = pair.slice(equals + 1);
    changes[pair.slice(0, equals)] = value === '' ? null : value;
  }
  const store = openStore(findWorkspace(options.workspace));
  try {
    const tags = store.setRunTags(options.runId, changes);
    if (options.json) process.stdout.write(JSON.stringify({ runId: options.runId, tags }, null, 2) + '\n');
    else {
      const entries = Object.entries(tags);
      process.stdout.write(entries.length === 0 ? `run ${options.runId} has no tags\n` : `run ${options.runId}: ${entries.map(([key, value]) => `${key}=${value}`).join('  ')}\n`);
    }
    return 0;
  } finally {
    store.close();
  }
}

/** `tensorloom note <runId> "text"`: sets the run's note ("" removes it); without text, prints it. */
export function noteCommand(options: { runId: string; text: string | undefined; json: boolean; workspace?: string }): number {
  const store = openStore(findWorkspace(options.workspace));
  try {
    let note: string | null;
    if (options.text === undefined) {
      const run = store.getRun(options.runId);
      if (run === undefined) throw new UsageError(`no run '${options.runId}' in this workspace; list them with: tensorloom runs`);
      note = run.note;
    } else note = store.setRunNote(options.runId, options.text);
    if (options.json) process.stdout.write(JSON.stringify({ runId: options.runId, note }, null, 2) + '\n');
    else process.stdout.write(note === null ? dim(`run ${options.runId} has no note`) + '\n' : `${note}\n`);
    return 0;
  } finally {
    store.close();
  }
}
