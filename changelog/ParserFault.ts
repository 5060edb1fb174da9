/** The name a ParserFault goes by, also across a process boundary, where only an error's name and message travel. */
export const PARSER_FAULT = 'ParserFault';

/**
 * The parser failed on a file. Every text has a parse (at worst one with no entries), so this is a fault of the
 * parser, not of the file: it must not pass for a changelog with no entries, and the file can be parsed again
 * once the parser is fixed.
 */
export class ParserFault extends Error {
  override name = PARSER_FAULT;

  constructor(
    readonly fileName: string,
    cause: unknown,
  ) {
    super(`${fileName}: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`, { cause });
  }
}
