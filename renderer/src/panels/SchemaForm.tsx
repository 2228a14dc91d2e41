/**
 * A form generated from a node's params JSON Schema: one editor per field kind, recursive
 * for objects and lists of objects, JSON text for anything else. Editors report `undefined`
 * for "not set", which removes the param so the node's default applies.
 */
import { useEffect, useId, useState } from 'react';
import type { ApiIssue } from '../api/protocol';
import { desktopBridge } from '../api/desktop';
import { useServices } from '../app/context';
import type { AppServices } from '../app/services';
import { relativeToPipeline } from '../model/data-files';
import { issuesForField } from '../model/issues';
import { withoutNodePrefix } from '../model/messages';
import { describeField, displayValue, hiddenParams, initialValue, localProblem, objectProperties, parseScalar, shownLimit, type FieldInfo, type JsonSchema } from '../model/schema';

interface EditorProps {
  field: FieldInfo;
  value: unknown;
  onChange: (value: unknown) => void;
  root: JsonSchema;
  testId: string;
  id?: string;
  /** Inside a list or object, an empty text stays '' instead of meaning "not set". */
  nested?: boolean;
}

export function ParamsForm(props: {
  schema: JsonSchema;
  params: Record<string, unknown>;
  issues: readonly ApiIssue[];
  onChange: (key: string, value: unknown) => void;
  /** Params that name a data file to read: they get a Browse… button (workspace files, or copy one in). */
  fileParams?: { names: readonly string[]; extensions: readonly string[] };
}) {
  const all = objectProperties(props.schema);
  const known = new Set(all.map((property) => property.name));
  const unknown = Object.keys(props.params).filter((key) => !known.has(key));
  // A param whose showWhen rule does not hold is not drawn; its value stays in the document
  // (the engine ignores it), so switching back shows it again as it was.
  const hidden = hiddenParams(props.schema, props.params);
  const properties = all.filter((property) => !hidden.has(property.name));
  if (all.length === 0 && unknown.length === 0) return <div className="muted">This node has no parameters.</div>;
  return (
    <div className="form">
      {properties.map((property) => (
        <ParamRow
          key={property.name}
          name={property.name}
          required={property.required}
          field={property.field}
          value={props.params[property.name]}
          root={props.schema}
          issues={issuesForField(props.issues, property.name)}
          onChange={(value) => props.onChange(property.name, value)}
          fileExtensions={props.fileParams?.names.includes(property.name) ? props.fileParams.extensions : undefined}
        />
      ))}
      {unknown.map((key) => (
        <ParamRow
          key={key}
          name={key}
          required={false}
          field={{ kind: 'json', schema: {}, nullable: false, hasDefault: false, description: 'Not a parameter of this node type (the validator flags it); remove it or fix its name.' }}
          value={props.params[key]}
          root={props.schema}
          issues={issuesForField(props.issues, key)}
          onChange={(value) => props.onChange(key, value)}
        />
      ))}
    </div>
  );
}

function ParamRow(props: {
  name: string;
  required: boolean;
  field: FieldInfo;
  value: unknown;
  root: JsonSchema;
  issues: ApiIssue[];
  onChange: (value: unknown) => void;
  fileExtensions?: readonly string[] | undefined;
}) {
  const services = useServices();
  const id = useId();
  const { field, value } = props;
  const local = localProblem(field, value) ?? (props.required && value === undefined && !field.hasDefault ? 'required' : null);
  const serverMessages = props.issues.map((issue) => {
    const message = issue.nodeId ? withoutNodePrefix(issue.message, issue.nodeId) : issue.message;
    return issue.field && issue.field !== props.name ? `${issue.field}: ${message}` : message;
  });
  const messages = [...new Set([...(local && !(local === 'required' && serverMessages.length > 0) ? [local] : []), ...serverMessages])];
  const limits = [shownLimit(field.minimum) !== undefined ? `min ${field.minimum}` : '', shownLimit(field.maximum) !== undefined ? `max ${field.maximum}` : '']
    .filter(Boolean)
    .join(', ');
  return (
    <div className={`field${messages.length ? ' field--invalid' : ''}`} data-testid={`field-${props.name}`}>
      <div className="field__label">
        <label htmlFor={id}>
          {props.name}
          {props.required && <span className="field__required" title="required"> *</span>}
        </label>
        {value !== undefined && field.hasDefault && (
          <button type="button" className="link-button" onClick={() => props.onChange(undefined)} title={`Back to the default (${displayValue(field.default)})`}>
            reset
          </button>
        )}
      </div>
      {props.fileExtensions ? (
        <div className="field__with-button">
          <ValueEditor id={id} field={field} value={value} onChange={props.onChange} root={props.root} testId={`param-${props.name}`} />
          <button type="button" className="btn btn--small" onClick={() => browseForFile(services, props.fileExtensions!, props.onChange)} data-testid={`browse-${props.name}`} aria-label={`Browse for the ${props.name} file`}>
            Browse…
          </button>
        </div>
      ) : (
        <ValueEditor id={id} field={field} value={value} onChange={props.onChange} root={props.root} testId={`param-${props.name}`} />
      )}
      {(field.description || limits || field.hasDefault) && (
        <div className="field__help">
          {field.description}
          {(limits || field.hasDefault) && (
            <span className="field__meta">
              {field.description ? ' · ' : ''}
              {[limits, field.hasDefault ? `default ${displayValue(field.default)}` : ''].filter(Boolean).join(' · ')}
            </span>
          )}
        </div>
      )}
      {messages.map((message) => (
        <div key={message} className="field__error" data-testid={`field-error-${props.name}`}>
          {message}
        </div>
      ))}
    </div>
  );
}

/** The desktop shell's native dialog, else the workspace file browser; the param gets the path as the pipeline's folder sees it. */
function browseForFile(services: Pick<AppServices, 'documentStore' | 'uiStore'>, extensions: readonly string[], onChange: (value: unknown) => void): void {
  const pick = (workspacePath: string) => onChange(relativeToPipeline(services.documentStore.getState().path, workspacePath));
  const native = desktopBridge()?.openDataFileDialog;
  if (native) {
    void native([...extensions]).then((path) => path && pick(path));
    return;
  }
  services.uiStore.getState().setDialog({ kind: 'files', extensions, onPick: pick });
}

export function ValueEditor(props: EditorProps) {
  switch (props.field.kind) {
    case 'string':
      return <StringEditor {...props} />;
    case 'number':
    case 'integer':
      return <NumberEditor {...props} />;
    case 'boolean':
      return <BooleanEditor {...props} />;
    case 'enum':
      return <EnumEditor {...props} />;
    case 'number-list':
    case 'string-list':
      return <ScalarListEditor {...props} />;
    case 'enum-list':
      return <EnumListEditor {...props} />;
    case 'scalar-list':
      return <ScalarListEditor {...props} />;
    case 'object-list':
      return <ObjectListEditor {...props} />;
    case 'object':
      return <ObjectEditor {...props} />;
    default:
      return <JsonEditor {...props} />;
  }
}

function StringEditor({ field, value, onChange, testId, id, nested }: EditorProps) {
  return (
    <input
      id={id}
      className="input"
      type="text"
      value={typeof value === 'string' ? value : value === undefined ? '' : String(value)}
      placeholder={field.hasDefault && field.default !== '' ? displayValue(field.default) : ''}
      onChange={(event) => onChange(event.target.value === '' && !nested ? undefined : event.target.value)}
      data-testid={testId}
      spellCheck={false}
    />
  );
}

/** Keeps what is typed (`0.`, `-`) until it is a number; commits every parseable state. */
function NumberEditor({ field, value, onChange, testId, id, nested }: EditorProps) {
  const shown = typeof value === 'number' ? String(value) : value === undefined ? '' : String(value);
  const [draft, setDraft] = useState(shown);
  useEffect(() => {
    setDraft((current) => (Number(current) === value && current.trim() !== '' ? current : shown));
  }, [value, shown]);
  const parsed = draft.trim() === '' ? undefined : Number(draft);
  const invalid = parsed !== undefined && !Number.isFinite(parsed);
  return (
    <>
      <input
        id={id}
        className="input input--number"
        type="text"
        inputMode="decimal"
        value={draft}
        placeholder={field.hasDefault ? displayValue(field.default) : ''}
        onChange={(event) => {
          const text = event.target.value;
          setDraft(text);
          if (text.trim() === '') onChange(nested ? 0 : undefined);
          else if (Number.isFinite(Number(text))) onChange(Number(text));
        }}
        data-testid={testId}
      />
      {invalid && <div className="field__error">enter a number</div>}
    </>
  );
}

function BooleanEditor({ field, value, onChange, testId, id }: EditorProps) {
  const checked = typeof value === 'boolean' ? value : field.default === true;
  return (
    <label className="switch">
      <input id={id} type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} data-testid={testId} />
      <span className="switch__track" aria-hidden />
      <span className="switch__text">{checked ? 'yes' : 'no'}</span>
    </label>
  );
}

function EnumEditor({ field, value, onChange, testId, id }: EditorProps) {
  const options = field.enumValues ?? [];
  const index = options.findIndex((option) => Object.is(option, value));
  return (
    <select
      id={id}
      className="input"
      value={value === undefined ? '' : String(index)}
      onChange={(event) => onChange(event.target.value === '' ? undefined : options[Number(event.target.value)])}
      data-testid={testId}
    >
      <option value="">{field.hasDefault ? `default (${displayValue(field.default)})` : '— not set —'}</option>
      {options.map((option, position) => (
        <option key={position} value={String(position)}>
          {displayValue(option)}
        </option>
      ))}
    </select>
  );
}

/**
 * The entries a list editor builds on: the set list, else the default one. Adding to a list
 * that is not set extends its default (`[64, 32]` → `[64, 32, 32]`) rather than starting over.
 */
function listItems(field: FieldInfo, value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return value === undefined && field.hasDefault && Array.isArray(field.default) ? structuredClone(field.default) : [];
}

function ScalarListEditor({ field, value, onChange, root, testId }: EditorProps) {
  const items = Array.isArray(value) ? value : [];
  const base = listItems(field, value);
  const declared = field.item ?? describeField({ type: 'string' }, root);
  // Mixed-type entries are typed as text and read back as the scalar they look like.
  const item: FieldInfo = field.kind === 'scalar-list' ? { ...declared, kind: 'string' } : declared;
  const read = (entry: unknown) => (field.kind === 'scalar-list' && typeof entry === 'string' ? parseScalar(entry, declared) : entry);
  const update = (next: unknown[]) => onChange(next);
  return (
    <div className="list-editor" data-testid={testId}>
      {items.map((entry, index) => (
        <div key={index} className="list-editor__row">
          <ValueEditor
            field={item}
            value={field.kind === 'scalar-list' && entry !== undefined ? String(entry) : entry}
            onChange={(next) => update(items.map((old, at) => (at === index ? read(next) : old)))}
            root={root}
            testId={`${testId}[${index}]`}
            nested
          />
          <button type="button" className="icon-button" title="Remove" onClick={() => update(items.filter((_, at) => at !== index))}>
            ×
          </button>
        </div>
      ))}
      <button
        type="button"
        className="btn btn--small"
        // A new number repeats the last one (another layer of the same width); text starts empty.
        onClick={() => update([...base, field.kind === 'number-list' && base.length > 0 ? base[base.length - 1] : field.kind === 'scalar-list' ? '' : initialValue(item, root)])}
        data-testid={`${testId}-add`}
      >
        + add
      </button>
      {value === undefined && field.hasDefault && <span className="muted small"> default {displayValue(field.default)}</span>}
    </div>
  );
}

function EnumListEditor({ field, value, onChange, testId }: EditorProps) {
  const chosen = Array.isArray(value) ? value : [];
  const options = field.item?.enumValues ?? [];
  return (
    <div className="checks" data-testid={testId}>
      {options.map((option) => (
        <label key={String(option)} className="check">
          <input
            type="checkbox"
            checked={chosen.includes(option)}
            onChange={(event) => onChange(event.target.checked ? [...chosen, option] : chosen.filter((entry) => entry !== option))}
          />
          {String(option)}
        </label>
      ))}
    </div>
  );
}

function ObjectListEditor({ field, value, onChange, root, testId }: EditorProps) {
  const items = Array.isArray(value) ? value : [];
  const item = field.item!;
  const move = (from: number, to: number) => {
    const next = [...items];
    const [moved] = next.splice(from, 1);
    next.splice(to, 0, moved);
    onChange(next);
  };
  return (
    <div className="object-list" data-testid={testId}>
      {items.map((entry, index) => (
        <div key={index} className="object-list__item">
          <div className="object-list__bar">
            <span className="muted small">#{index + 1}</span>
            <span className="spacer" />
            <button type="button" className="icon-button" title="Move up" disabled={index === 0} onClick={() => move(index, index - 1)}>
              ↑
            </button>
            <button type="button" className="icon-button" title="Move down" disabled={index === items.length - 1} onClick={() => move(index, index + 1)}>
              ↓
            </button>
            <button type="button" className="icon-button" title="Remove" onClick={() => onChange(items.filter((_, at) => at !== index))}>
              ×
            </button>
          </div>
          <ObjectEditor field={item} value={entry} onChange={(next) => onChange(items.map((old, at) => (at === index ? next : old)))} root={root} testId={`${testId}[${index}]`} nested />
        </div>
      ))}
      <button type="button" className="btn btn--small" onClick={() => onChange([...listItems(field, value), initialValue(item, root)])} data-testid={`${testId}-add`}>
        + add
      </button>
    </div>
  );
}

function ObjectEditor({ field, value, onChange, root, testId }: EditorProps) {
  const object = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  return (
    <div className="object-editor">
      {objectProperties(field.schema, root).map((property) => (
        <div key={property.name} className="object-editor__field">
          <label className="object-editor__label" title={property.field.description}>
            {property.name}
            {property.required && <span className="field__required"> *</span>}
          </label>
          <ValueEditor
            field={property.field}
            value={object[property.name]}
            onChange={(next) => {
              const copy = { ...object };
              if (next === undefined || (next === '' && !property.required)) delete copy[property.name];
              else copy[property.name] = next;
              onChange(copy);
            }}
            root={root}
            testId={`${testId}.${property.name}`}
            nested={property.required}
          />
        </div>
      ))}
    </div>
  );
}

/** The fallback: JSON text, parsed when the field loses focus. */
function JsonEditor({ value, onChange, testId, id }: EditorProps) {
  const shown = value === undefined ? '' : JSON.stringify(value, null, 2);
  const [draft, setDraft] = useState(shown);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setDraft(shown), [shown]);
  const commit = () => {
    if (draft.trim() === '') {
      setError(null);
      onChange(undefined);
      return;
    }
    try {
      onChange(JSON.parse(draft));
      setError(null);
    } catch (parseError) {
      setError(`not valid JSON: ${(parseError as Error).message}`);
    }
  };
  return (
    <>
      <textarea id={id} className="input input--json" rows={Math.min(10, Math.max(3, draft.split('\n').length))} value={draft} onChange={(event) => setDraft(event.target.value)} onBlur={commit} data-testid={testId} spellCheck={false} />
      {error && <div className="field__error">{error}</div>}
    </>
  );
}
