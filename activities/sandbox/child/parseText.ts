// The untrusted half of a crawl whose changelog came as a file (a declared link, the repository, release
// notes): decode and parse it. The parent has already capped its size.
import type { Readable } from 'node:stream';
import { parseChosen, type ParsedText, type TextLimits } from './crawlArchive';

export interface ParseTextParams {
  fileName: string;
  sourceUrl: string | null;
  knownVersions: readonly string[];
  limits: TextLimits;
}

export async function parseText(params: ParseTextParams, input: Readable): Promise<ParsedText> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(chunk as Buffer);
  return parseChosen(Buffer.concat(chunks), params.fileName, params.sourceUrl, params, false);
}
