import { Readable } from 'node:stream';
import { PARSER_FAULT } from '../../../changelog/ParserFault';
import { npmTarball } from '../../../demo/archives';
import { crawlArchive, type CrawlArchiveParams } from './crawlArchive';
import { parseText } from './parseText';

// A bug planted in one step of the parser, which the tasks load in this process.
jest.mock('../../../changelog/split', () => ({
  splitEntries: () => {
    throw new TypeError("Cannot read properties of undefined (reading 'line')");
  },
}));

const CHANGELOG = '## 1.0.0 - 2024-01-02\n\n- Fixes the build.\n\n## 0.9.0 - 2023-12-01\n\n- First release.\n';
const limits = { maxArchiveBytes: 1e7, maxUnpackedBytes: 1e7, maxArchiveEntries: 1_000, maxChangelogBytes: 1e6, maxLineLength: 10_000, maxChangelogEntries: 1_000 };
const params: CrawlArchiveParams = { kind: 'npm', limits, knownVersions: [], sourceUrlBase: null };

describe('the sandbox tasks, when the parser fails', () => {
  test('crawlArchive fails with a ParserFault naming the file, instead of finding a changelog with no entries', async () => {
    const tgz = await npmTarball({ 'package.json': '{}', 'CHANGELOG.md': CHANGELOG });
    await expect(crawlArchive(params, Readable.from([tgz]))).rejects.toMatchObject({
      name: PARSER_FAULT,
      message: expect.stringMatching(/^CHANGELOG\.md: TypeError/),
    });
  });

  test('parseText fails the same way', async () => {
    const file = Readable.from([Buffer.from(CHANGELOG)]);
    await expect(parseText({ fileName: 'NEWS.md', sourceUrl: null, knownVersions: [], limits }, file)).rejects.toMatchObject({
      name: PARSER_FAULT,
      message: expect.stringMatching(/^NEWS\.md: /),
    });
  });
});
