/**
 * `tensorloom export-web <model> --out DIR [--format esm]`: the model as a static folder that
 * predicts in the browser (index.html: a form and a CSV drop zone), or as an ES module
 * package (index.js: predict(rows), index.d.ts: its types). See core/deploy/web-export.ts.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageName, WEB_FORMATS, writeWebBundle, type WebFormat } from '../../core/deploy/web-export.js';
import { createRegistry } from '../catalog.js';
import { displayPath } from '../load.js';
import { resolveModelRef } from '../model-ref.js';
import { bold, green, UsageError } from '../output.js';
import { asUsageErrors } from './export.js';

export interface ExportWebOptions {
  model: string;
  out?: string;
  format?: string;
  name?: string;
  workspace?: string;
  json: boolean;
}

export async function exportWebCommand(options: ExportWebOptions): Promise<number> {
  const format = (options.format ?? 'static') as WebFormat;
  if (!WEB_FORMATS.includes(format)) throw new UsageError(`--format ${options.format}: the formats are static (a folder with index.html, the default) and esm (an ES module package)`);
  if (options.out === undefined) throw new UsageError("'tensorloom export-web' needs --out DIR: the folder to write (a new or empty folder, or an earlier export)");
  const model = await resolveModelRef(options.model, options.workspace);
  // Built-in step kinds are known to every thread; a pack's kinds only once its pack loads (the export then names it).
  await createRegistry({ workspace: resolve(options.workspace ?? model.workspace ?? '.'), warn: false });
  const name = options.name ?? model.registry?.name ?? 'model';
  const written = await asUsageErrors(() =>
    writeWebBundle({
      modelDir: model.dir,
      outDir: options.out!,
      format,
      name,
      digest: model.digest,
      ...(model.registry === undefined ? {} : { version: String(model.registry.version) }),
    }),
  );
  const shown = displayPath(written.dir);
  const entry = resolve(written.dir, written.entry);
  const next =
    format === 'static'
      ? [`open ${pathToFileURL(entry).href}   # works from the file, offline`, `npx serve ${shown}   # or any static server: python3 -m http.server -d ${shown} (saved for offline use on first visit)`]
      : [`npm install ${written.dir}   # in your app; then: import { predict } from '${packageName(name)}'`, `node -e "import('${pathToFileURL(entry).href}').then(async (m) => console.log(await m.predict([/* rows */])))"`];
  if (options.json) {
    process.stdout.write(JSON.stringify({ dir: written.dir, format, entry, files: written.files, model: { name, digest: model.digest }, next }, null, 2) + '\n');
    return 0;
  }
  process.stderr.write(`${green('✓', process.stderr)} ${format === 'static' ? 'browser bundle' : 'ES module package'} of model ${model.digest.slice(0, 19)}… written to ${bold(shown, process.stderr)} (${written.files.length} files)\n`);
  process.stdout.write(`next:\n${next.map((line) => `  ${line}`).join('\n')}\n`);
  return 0;
}
