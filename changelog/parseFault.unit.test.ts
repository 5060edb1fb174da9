import { parseChangelog } from './parse';
import { PARSER_FAULT, ParserFault } from './ParserFault';

// A bug planted in one step of the parser: splitting entries fails on every file.
jest.mock('./split', () => ({
  splitEntries: () => {
    throw new TypeError("Cannot read properties of undefined (reading 'line')");
  },
}));

describe('a fault of the parser', () => {
  test('surfaces as a ParserFault naming the file, not as a changelog with no entries', () => {
    let thrown: unknown;
    try {
      parseChangelog('## 1.0.0 - 2024-01-02\n\n- Fixes the build.\n', { fileName: 'CHANGELOG.md' });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ParserFault);
    expect(thrown).toMatchObject({
      name: PARSER_FAULT,
      fileName: 'CHANGELOG.md',
      message: "CHANGELOG.md: TypeError: Cannot read properties of undefined (reading 'line')",
      cause: expect.any(TypeError),
    });
  });
});
