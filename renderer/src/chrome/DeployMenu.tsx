import { useEffect, useRef, useState } from 'react';
import { useCatalog, useDoc, useRun } from '../app/context';
import { DEPLOY_TARGETS, deployPlan, runModel, type DeployTarget } from '../model/deploy-targets';
import { Modal } from './Modal';

/** The toolbar's Deploy menu: the export targets, each opening what to run next (model-free commands name what to do first). */
export function DeployMenu() {
  const [open, setOpen] = useState(false);
  const [shown, setShown] = useState<DeployTarget | null>(null);
  const menu = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (event: MouseEvent) => {
      if (!menu.current?.contains(event.target as Node)) setOpen(false);
    };
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && setOpen(false);
    window.addEventListener('mousedown', close);
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('mousedown', close);
      window.removeEventListener('keydown', onKey);
    };
  }, [open]);

  return (
    <div className="deploy-menu" ref={menu}>
      <button type="button" className="btn btn--ghost" aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="deploy-menu-button" title="Export the model or the pipeline">
        Deploy ▾
      </button>
      {open && (
        <div className="deploy-menu__list" role="menu" data-testid="deploy-menu">
          {DEPLOY_TARGETS.map((item) => (
            <button
              key={item.target}
              type="button"
              role="menuitem"
              className="deploy-menu__item"
              data-testid={`deploy-target-${item.target}`}
              onClick={() => {
                setOpen(false);
                setShown(item.target);
              }}
            >
              <span className="deploy-menu__title">{item.title}</span>
              <span className="muted small">{item.hint}</span>
            </button>
          ))}
        </div>
      )}
      {shown && <DeployDialog target={shown} onClose={() => setShown(null)} />}
    </div>
  );
}

function DeployDialog({ target, onClose }: { target: DeployTarget; onClose: () => void }) {
  const pipelinePath = useDoc((state) => state.path);
  const pipelineName = useDoc((state) => state.content.name);
  const nodes = useDoc((state) => state.content.nodes);
  const outputs = useRun((state) => state.outputs);
  const catalog = useCatalog((state) => state.byType);
  const model = runModel(outputs, Object.fromEntries(nodes.map((node) => [node.id, node.type])), catalog);
  const plan = deployPlan(target, { pipelinePath, pipelineName, model });
  const [copied, setCopied] = useState(false);
  const text = plan.commands.join('\n');
  return (
    <Modal title={plan.title} onClose={onClose} testId="deploy-dialog" wide>
      <p className="small">{plan.summary}</p>
      {model && target !== 'argo' && (
        <p className="muted small" data-testid="deploy-model">
          Model of node <code>{model.node}</code> from the shown run: <code>{model.id.slice(0, 19)}…</code>
        </p>
      )}
      {plan.first && (
        <p className="warn-text small" data-testid="deploy-first">
          {plan.first}
        </p>
      )}
      <p className="small">In the workspace folder, run:</p>
      <pre className="container-image__commands deploy-dialog__commands" data-testid="deploy-commands">
        {text}
      </pre>
      <div className="deploy-dialog__actions">
        <button
          type="button"
          className="btn"
          onClick={() =>
            void navigator.clipboard?.writeText(text).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
          data-testid="deploy-copy"
        >
          {copied ? 'Copied' : 'Copy commands'}
        </button>
      </div>
    </Modal>
  );
}
