/**
 * New files in a folder, by polling (fs.watch misses events on network and container
 * mounts, and says nothing about whether a file is complete). A file counts once it is
 * *settled*: its size and modification time unchanged over two polls at least `settleMs`
 * apart. Names starting with '.' are ignored (partial uploads: rsync, browsers and many
 * copy tools write a hidden temp file and rename it). A file counts once per content
 * signature (size + mtime): a new name, or a name whose file was replaced.
 *
 * A folder that disappears is reported once (`missing`) and watched for; when it comes
 * back (`back`), files in it that were not seen before count as new.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface FolderTriggerOptions {
  readonly dir: string;
  /** Between polls (default 1000 ms). */
  readonly pollMs?: number;
  /** How long a file's size and mtime must stay unchanged before it counts (default 1000 ms). */
  readonly settleMs?: number;
  /**
   * Signatures already handled (name → signature), e.g. from the store: files that arrived
   * while no one watched count as new at start. Absent: everything there now is old.
   */
  readonly known?: Readonly<Record<string, string>>;
  readonly onFiles: (names: string[]) => void;
  readonly onMissing?: () => void;
  readonly onBack?: () => void;
}

interface Pending {
  signature: string;
  since: number;
}

export class FolderTrigger {
  private readonly known = new Map<string, string>();
  private readonly pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private missing = false;

  constructor(private readonly options: FolderTriggerOptions) {
    if (options.known) for (const [name, signature] of Object.entries(options.known)) this.known.set(name, signature);
    else for (const [name, signature] of this.list() ?? []) this.known.set(name, signature);
  }

  start(): void {
    if (this.timer) return;
    this.poll();
    this.timer = setInterval(() => this.poll(), this.options.pollMs ?? 1000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The handled signatures, to keep in the store. */
  snapshot(): Record<string, string> {
    return Object.fromEntries(this.known);
  }

  /** One poll: reports the files that settled since the last one. Public for tests. */
  poll(now = Date.now()): string[] {
    const listed = this.list();
    if (listed === undefined) {
      if (!this.missing) {
        this.missing = true;
        this.pending.clear();
        this.options.onMissing?.();
      }
      return [];
    }
    if (this.missing) {
      this.missing = false;
      this.options.onBack?.();
    }
    const settled: string[] = [];
    for (const [name, signature] of listed) {
      if (this.known.get(name) === signature) continue;
      const pending = this.pending.get(name);
      if (pending === undefined || pending.signature !== signature) {
        this.pending.set(name, { signature, since: now });
      } else if (now - pending.since >= (this.options.settleMs ?? 1000)) {
        this.pending.delete(name);
        this.known.set(name, signature);
        settled.push(name);
      }
    }
    for (const name of this.pending.keys()) if (!listed.has(name)) this.pending.delete(name);
    // A deleted file is forgotten: the same name arriving again is a new file.
    for (const name of this.known.keys()) if (!listed.has(name)) this.known.delete(name);
    if (settled.length > 0) this.options.onFiles(settled.sort());
    return settled;
  }

  /** Regular, non-hidden files and their signatures; undefined when the folder is gone. */
  private list(): Map<string, string> | undefined {
    let names: string[];
    try {
      if (!statSync(this.options.dir).isDirectory()) return undefined;
      names = readdirSync(this.options.dir);
    } catch {
      return undefined;
    }
    const out = new Map<string, string>();
    for (const name of names) {
      if (name.startsWith('.')) continue;
      try {
        const stat = statSync(join(this.options.dir, name));
        if (stat.isFile()) out.set(name, `${stat.size}:${Math.round(stat.mtimeMs)}`);
      } catch {
        // removed between readdir and stat
      }
    }
    return out;
  }
}
