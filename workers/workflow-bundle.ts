const SOURCE_MAP_COMMENT = '//# sourceMappingURL=data:';

/**
 * The bundle without the original sources embedded in its inline source map. The worker keeps the parsed
 * map in memory for as long as it runs (and a consumer of it in the workflow thread) to map workflow stack
 * traces to file:line, which needs only the mappings; the sources, over a megabyte of text, served only
 * debuggers. The SDK requires an inline map, so the comment stays, with the smaller map.
 */
export function withoutEmbeddedSources(code: string): string {
  const at = code.lastIndexOf(SOURCE_MAP_COMMENT);
  const base64At = at < 0 ? -1 : code.indexOf('base64,', at);
  if (base64At < 0) throw new Error('the workflow bundle has no inline source map');
  const map = JSON.parse(Buffer.from(code.slice(base64At + 'base64,'.length).trimEnd(), 'base64').toString()) as {
    sourcesContent?: unknown;
  };
  delete map.sourcesContent;
  return `${code.slice(0, at)}${SOURCE_MAP_COMMENT}application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
}
