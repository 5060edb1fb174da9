// The tasks the production sandbox child can run. A new untrusted step becomes a sandbox task by being added
// here: `(params, input) => result`, with JSON-serializable params and result.
import { crawlArchive } from './crawlArchive';
import { parseText } from './parseText';

export const tasks = { crawlArchive, parseText };
