import { formatBytes } from '../../core/engine/index.js';
import type { GcReport } from '../../core/store/index.js';
import { dim, green } from '../output.js';
import { findWorkspace, openStore } from '../workspace.js';

export interface GcOptions {
  workspace?: string;
  dryRun: boolean;
  json: boolean;
}

/** `tensorloom gc`: frees unreferenced artifacts and leftover temp entries. Exit 0 (even when nothing was freed). */
export function gcCommand(options: GcOptions): number {
  const store = openStore(findWorkspace(options.workspace), { cleanTemp: false });
  try {
    const report = store.collectGarbage({ dryRun: options.dryRun });
    if (options.json) {
      process.stdout.write(JSON.stringify({ ...report, freedBytes: report.artifacts.bytes + report.temp.bytes }, null, 2) + '\n');
      return 0;
    }
    process.stdout.write(describe(report) + '\n');
    return 0;
  } finally {
    store.close();
  }
}

function describe(report: GcReport): string {
  const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  const parts = [
    `${count(report.artifacts.removed, 'unreferenced artifact', 'unreferenced artifacts')} (${formatBytes(report.artifacts.bytes)})`,
    `${count(report.temp.removed, 'leftover temp entry', 'leftover temp entries')} (${formatBytes(report.temp.bytes)})`,
  ];
  const freed = formatBytes(report.artifacts.bytes + report.temp.bytes);
  const lines = [
    report.dryRun ? `would remove ${parts.join(' and ')}: ${freed}; nothing was removed (--dry-run)` : `${green('removed')} ${parts.join(' and ')}: ${freed} freed`,
    dim(`kept ${count(report.kept.referenced, 'artifact', 'artifacts')} that runs, the cache or the registry reference`),
  ];
  if (report.kept.recent > 0) {
    lines.push(
      dim(
        `kept ${count(report.kept.recent, 'unreferenced artifact', 'unreferenced artifacts')} written while ${report.liveRuns.length === 1 ? `run ${report.liveRuns[0]} is` : `runs ${report.liveRuns.join(', ')} are`} in progress (it may still record them); run gc again after it ends`,
      ),
    );
  }
  return lines.join('\n');
}
