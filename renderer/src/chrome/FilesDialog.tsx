import { useEffect, useState, type ChangeEvent } from 'react';
import { useServices } from '../app/context';
import type { DataFileItem } from '../api/protocol';
import { copyInPath, formatBytes } from '../model/data-files';
import { Modal } from './Modal';

/**
 * The workspace file browser for a data node's path (GET /api/files), with a way to copy a
 * file in from this computer: pipelines read only inside the workspace.
 */
export function FilesDialog({ extensions, onPick }: { extensions: readonly string[]; onPick: (workspacePath: string) => void }) {
  const { api, uiStore } = useServices();
  const [files, setFiles] = useState<DataFileItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [copying, setCopying] = useState(false);
  useEffect(() => {
    api.dataFiles().then(setFiles, (failure: Error) => setError(failure.message));
  }, []);
  const close = () => uiStore.getState().setDialog(null);
  const choose = (path: string) => {
    close();
    onPick(path);
  };
  const matching = (files ?? []).filter((file) => extensions.some((extension) => file.path.toLowerCase().endsWith(extension)));

  const copyIn = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (!file) return;
    setCopying(true);
    try {
      const answer = await api.copyFileIn(copyInPath(file.name), file);
      uiStore.getState().toast('success', answer.reused ? `${file.name} is in the workspace already as ${answer.path}` : `Copied ${file.name} to ${answer.path}`);
      choose(answer.path);
    } catch (failure) {
      setError(`Cannot copy ${file.name}: ${(failure as Error).message}`);
      setCopying(false);
    }
  };

  return (
    <Modal title="Choose a data file" onClose={close} testId="files-dialog" wide>
      <div className="files-dialog">
        <div className="panel-subtitle">In this workspace ({extensions.join(', ')})</div>
        {error && <div className="error-text pad">{error}</div>}
        {files === null && !error && <div className="muted pad">Loading…</div>}
        {files !== null && matching.length === 0 && <div className="muted pad">No {extensions.join(', ')} file in the workspace yet.</div>}
        <ul className="files-dialog__list">
          {matching.map((file) => (
            <li key={file.path}>
              <button type="button" className="files-dialog__item" onClick={() => choose(file.path)} data-testid={`file-${file.path}`}>
                <code>{file.path}</code>
                <span className="muted">{formatBytes(file.size)}</span>
              </button>
            </li>
          ))}
        </ul>
        <label className="btn files-dialog__upload">
          {copying ? 'Copying…' : 'Copy a file from this computer into the workspace…'}
          <input type="file" accept={extensions.join(',')} onChange={(event) => void copyIn(event)} disabled={copying} data-testid="files-upload" className="visually-hidden" />
        </label>
        <p className="muted small">Pipelines read only files inside the workspace; a file from elsewhere is copied to its data/ folder (never over another file).</p>
      </div>
    </Modal>
  );
}
