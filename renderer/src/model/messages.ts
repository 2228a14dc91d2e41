/**
 * Validator messages name their node ("node 'split': …") because the CLI prints them in a
 * list; shown on that node, or in its inspector, the prefix only repeats what is in view.
 */
export function withoutNodePrefix(message: string, nodeId: string): string {
  const prefix = `node '${nodeId}'`;
  if (!message.startsWith(prefix)) return message;
  const rest = message.slice(prefix.length).replace(/^[:,]?\s*/, '').replace(/^is\s+/, '');
  return rest ? rest.charAt(0).toUpperCase() + rest.slice(1) : message;
}
