/**
 * The shell's security decisions as plain functions (no Electron import), so they are tested
 * without Electron: which URLs the window may show, which IPC senders are trusted, which
 * paths the native dialogs may hand back.
 */
import { constants } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { basename, extname, isAbsolute, join, relative, sep } from 'node:path';

export const PIPELINE_SUFFIX = '.pipeline.json';

export function originOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const { origin } = new URL(url);
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

/** IPC is answered only for frames showing the server's own pages. */
export function trustedSender(frameUrl: string | undefined, serverOrigin: string): boolean {
  return originOf(frameUrl) === serverOrigin;
}

/** Links handed to the OS: web pages only, never file:, javascript: or custom schemes. */
export function isExternalWebLink(url: string): boolean {
  const origin = originOf(url);
  return origin !== undefined && origin.startsWith('https://');
}

/** The API's name for a file picked in a dialog ('/'-separated, inside the workspace), or null. */
export function workspacePathOf(workspace: string, file: string): string | null {
  const rel = relative(workspace, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return null;
  return rel.split(sep).join('/');
}

/** The absolute file for a workspace path from the page, or null when it is not one. */
export function workspaceFile(workspace: string, path: unknown): string | null {
  if (typeof path !== 'string' || path === '' || path.includes('\\') || path.includes('\0') || path.startsWith('/') || isAbsolute(path)) return null;
  const segments = path.split('/');
  if (segments.some((part) => part === '' || part === '.' || part === '..')) return null;
  return join(workspace, ...segments);
}

/** A save dialog's suggested file name: a plain name ending in .pipeline.json. */
export function suggestedPipelineName(suggested: unknown): string {
  const name = typeof suggested === 'string' ? suggested.replace(/[/\\:*?"<>|\0]/g, '-').trim().slice(0, 200) : '';
  const base = name === '' ? 'untitled' : name;
  return base.endsWith(PIPELINE_SUFFIX) ? base : `${base.replace(/\.json$/i, '')}${PIPELINE_SUFFIX}`;
}

/** Copies `file` into `folder` under its own name, or name-2, name-3, … when taken; never overwrites. Answers the new file. */
export async function copyWithFreeName(file: string, folder: string): Promise<string> {
  await mkdir(folder, { recursive: true });
  const extension = extname(file);
  const stem = basename(file, extension);
  for (let attempt = 1; ; attempt += 1) {
    const target = join(folder, attempt === 1 ? `${stem}${extension}` : `${stem}-${attempt}${extension}`);
    try {
      await copyFile(file, target, constants.COPYFILE_EXCL);
      return target;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 999) throw error;
    }
  }
}
