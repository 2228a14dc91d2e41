/**
 * What survives a reload of the page: the document being edited (saved or not) and the run
 * last shown. sessionStorage, so it stays with the tab and the server launch.
 */
import type { PipelineDoc } from '../api/protocol';

const DRAFT_KEY = 'tensorloom.draft';
const RUN_KEY = 'tensorloom.run';

export interface Draft {
  path: string | null;
  document: PipelineDoc;
  dirty: boolean;
  /** The saved version, when the draft differs from it. */
  saved?: PipelineDoc;
  /** Runs made while the document had no file: its first save links them to the file. */
  unsavedRuns?: string[];
}

export interface SessionMemory {
  readDraft(): Draft | null;
  writeDraft(draft: Draft): void;
  readRunId(): string | null;
  writeRunId(runId: string | null): void;
}

export function sessionMemory(storage: Storage | undefined): SessionMemory {
  const read = (key: string) => {
    try {
      return storage?.getItem(key) ?? null;
    } catch {
      return null;
    }
  };
  const write = (key: string, value: string | null) => {
    try {
      if (value === null) storage?.removeItem(key);
      else storage?.setItem(key, value);
    } catch {
      // Full or disabled storage only costs the reload convenience.
    }
  };
  return {
    readDraft() {
      const text = read(DRAFT_KEY);
      if (!text) return null;
      try {
        const draft = JSON.parse(text) as Draft;
        return draft && typeof draft === 'object' && draft.document ? draft : null;
      } catch {
        return null;
      }
    },
    writeDraft(draft) {
      write(DRAFT_KEY, JSON.stringify(draft));
    },
    readRunId: () => read(RUN_KEY),
    writeRunId: (runId) => write(RUN_KEY, runId),
  };
}
