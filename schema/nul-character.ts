/**
 * PostgreSQL's text and jsonb cannot hold a NUL character, and no name, path, note, command or URL has
 * one: both fronts refuse input carrying one before anything is stored or a workflow started with it.
 */

/** Where in a parsed body, query or tool arguments the first NUL character is (`body.name`), or null. */
export function nulPath(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\0') ? path : null;
  if (value === null || typeof value !== 'object') return null;
  for (const [key, item] of Object.entries(value)) {
    const found = key.includes('\0') ? `${path}.${key}` : nulPath(item, `${path}.${key}`);
    if (found !== null) return found;
  }
  return null;
}
