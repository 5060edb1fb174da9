import type { SectionKind } from './types';

// Keywords tried in order against a section title's words; the first kind that matches wins, so
// "Deprecations and Removals" (towncrier) is `deprecated` and "Breaking bug fixes" is `breaking`.
// Changesets' bump-named sections follow semver's meaning: a major bump is breaking, a minor one adds,
// a patch one fixes. Documentation changes ("Improved Documentation") are `other`: they change no behaviour.
const RULES: [SectionKind, RegExp][] = [
  ['breaking', /\b(breaking|backwards?[- ]incompatible|incompatible|major changes?)\b/],
  ['security', /\b(security|vulnerabilit(y|ies)|cve)\b/],
  ['deprecated', /\b(deprecated|deprecations?|deprecating)\b/],
  ['removed', /\b(removed|removals?|removing|dropped)\b/],
  ['fixed', /\b(fixed|fix|fixes|bug ?fix(es)?|bugs?|bugfix(es)?|patch changes?|patches|hotfix(es)?|corrections?)\b/],
  ['added', /\b(added|adds?|new|features?|feat|minor changes?|additions?|enhancements?)\b/],
  ['other', /\b(docs?|documentation)\b/],
  ['changed', /\b(changed|changes|improvements?|improved|updated?|updates|performance|perf|refactor(ing|ed)?|dependencies|dependency updates?|internal|tweaks?)\b/],
  ['other', /\b(misc|miscellaneous|docs?|documentation|chores?|other|notes?|build|ci|tests?|testing|reverts?|contributors|thanks)\b/],
];

// Section titles repeat across entries and files ("Bug Fixes", "Patch Changes"); remembering them is cheaper.
const seen = new Map<string, SectionKind | null>();

/** The canonical kind of a section title, or null when the title is not a recognised section name. */
export function sectionKind(title: string): SectionKind | null {
  let kind = seen.get(title);
  if (kind === undefined) {
    if (seen.size > 2000) seen.clear();
    kind = classify(title);
    seen.set(title, kind);
  }
  return kind;
}

function classify(title: string): SectionKind | null {
  const words = title
    .toLowerCase()
    .replace(/[^a-z0-9' -]+/g, ' ')
    .trim();
  if (!words || words.length > 60) return null;
  for (const [kind, re] of RULES) if (re.test(words)) return kind;
  return null;
}
