/** A device answered, but not in a shape we can trust. Classified on the audit row as `parse_error`. */
export class CollectorParseError extends Error {
  override readonly name = 'CollectorParseError';
  constructor(
    readonly dataType: string,
    message: string,
    readonly excerpt?: string,
  ) {
    super(`${dataType}: ${message}`);
  }
}
