import type { ApiIssue } from '../api/protocol';

export interface IssueIndex {
  /** Issues that name a node, by node id (a cycle's issue is listed on each node of it). */
  byNode: Record<string, ApiIssue[]>;
  /** Issues about the pipeline as a whole. */
  general: ApiIssue[];
  errors: number;
  warnings: number;
}

export const isWarning = (issue: ApiIssue) => issue.severity === 'warning';

export function indexIssues(issues: readonly ApiIssue[]): IssueIndex {
  const index: IssueIndex = { byNode: {}, general: [], errors: 0, warnings: 0 };
  for (const issue of issues) {
    if (isWarning(issue)) index.warnings++;
    else index.errors++;
    const nodes = issue.nodeId ? [issue.nodeId] : (issue.nodes ?? []);
    if (nodes.length === 0) index.general.push(issue);
    for (const id of new Set(nodes)) (index.byNode[id] ??= []).push(issue);
  }
  return index;
}

/** Issues about one param: its own field (`test`) or a place inside it (`rules[0].column`). */
export function issuesForField(issues: readonly ApiIssue[], field: string): ApiIssue[] {
  return issues.filter((issue) => issue.field !== undefined && (issue.field === field || issue.field.startsWith(`${field}.`) || issue.field.startsWith(`${field}[`)));
}
