/**
 * The first node error of ComfyUI's prompt validation, as RunningHub passes it on in a
 * start answer's `promptTips` (a JSON string, or an object): e.g. `node 41 (LoadImage):
 * image - Invalid image file: a.png`. Null when the tips name no node error.
 */
export function promptTipsMessage(data: unknown): string | null {
  const raw =
    typeof data === 'object' && data !== null
      ? (data as { promptTips?: unknown }).promptTips
      : undefined;
  let tips: unknown = raw;
  if (typeof raw === 'string') {
    try {
      tips = JSON.parse(raw);
    } catch {
      return null;
    }
  }
  const nodeErrors =
    typeof tips === 'object' && tips !== null
      ? (tips as { node_errors?: unknown }).node_errors
      : undefined;
  if (typeof nodeErrors !== 'object' || nodeErrors === null) return null;
  for (const [nodeId, entry] of Object.entries(nodeErrors)) {
    const node = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<
      string,
      unknown
    >;
    const first = Array.isArray(node.errors)
      ? (node.errors[0] as Record<string, unknown> | undefined)
      : undefined;
    const text = [first?.details, first?.message].find(
      (t) => typeof t === 'string' && t.length > 0,
    );
    const kind = typeof node.class_type === 'string' ? ` (${node.class_type})` : '';
    return `node ${nodeId}${kind}: ${typeof text === 'string' ? text.slice(0, 300) : 'invalid input'}`;
  }
  return null;
}
