import { realpathSync } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';

/**
 * `absolute` (a real path, links followed) relative to the workspace, `/`-separated, as run
 * records keep paths; absolute when it lies outside. The workspace is tried as given and by
 * its real path (a workspace reached through a link, /tmp on macOS).
 */
export function workspaceRelative(workspaceRoot: string, absolute: string): string {
  for (const root of [workspaceRoot, realPath(workspaceRoot)]) {
    const inside = relative(root, absolute);
    if (inside !== '' && !inside.startsWith('..') && !isAbsolute(inside)) return inside.split(sep).join('/');
  }
  return absolute;
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
