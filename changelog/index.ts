export { changelogCandidates, chooseChangelog, isChangelogName } from './find';
export { parseChangelog } from './parse';
export { PARSER_FAULT, ParserFault } from './ParserFault';
export { SCHEMA_VERSION } from './types';
export type {
  CandidateFile,
  ChangelogEntry,
  ChangelogFormat,
  ChangelogSection,
  ParseOptions,
  ParsedChangelog,
  SectionKind,
} from './types';
