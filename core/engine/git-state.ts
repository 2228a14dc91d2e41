import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';

/** The git state of the repository a workspace lies in, recorded with every run. */
export interface GitState {
  /** The checked-out commit; null in a repository without commits yet. */
  commit: string | null;
  /** The branch, or null on a detached HEAD. */
  branch: string | null;
  /** Uncommitted changes to tracked or untracked files (the workspace's own .tensorloom store aside); null when git took too long to say. */
  dirty: boolean | null;
}

/** Each git call gets this long: a run never waits on a slow or hung git for more than a moment. */
export const GIT_TIMEOUT_MS = 2000;

function git(cwd: string, args: string[]): Promise<string | undefined> {
  return new Promise((done) => {
    // GIT_OPTIONAL_LOCKS=0: `git status` must not take the index lock under the user's own git commands.
    execFile('git', args, { cwd, timeout: GIT_TIMEOUT_MS, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' }, windowsHide: true }, (error, stdout) =>
      done(error ? undefined : stdout),
    );
  });
}

/**
 * The commit, branch and dirty flag of the git repository `workspaceRoot` is in; null when
 * git is not installed or the folder is not in a repository. Never throws.
 */
export async function gitState(workspaceRoot: string): Promise<GitState | null> {
  const top = (await git(workspaceRoot, ['rev-parse', '--show-toplevel']))?.trim();
  if (!top) return null;
  const [head, branch, status] = await Promise.all([
    git(top, ['rev-parse', '--verify', '--quiet', 'HEAD']),
    git(top, ['symbolic-ref', '--quiet', '--short', 'HEAD']),
    git(top, ['status', '--porcelain=v1', '-z', '--untracked-files=normal']),
  ]);
  // The workspace's store changes with every run: it must not make the tree look dirty.
  const store = relative(top, resolve(realPath(workspaceRoot), '.tensorloom')).split(sep).join('/');
  const changed = status?.split('\0').filter((entry) => entry.length > 3).map((entry) => entry.slice(3)).filter((path) => path !== store && !path.startsWith(`${store}/`));
  return {
    commit: head?.trim() || null,
    branch: branch?.trim() || null,
    dirty: changed === undefined ? null : changed.length > 0,
  };
}

/** git names the top level by its real path: compare like with like. */
function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
