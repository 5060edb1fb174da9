-- `document` was name, summary and changelog in one stored column: a second copy of `changelog_document` (the
-- largest value of a row, often out of line) and a second to_tsvector of the name and summary beside `search_head`,
-- both computed again, and the copy written and compressed again, at every update of the row (a new release's
-- version, say). The index that finds changelog matches now indexes the same vector as an expression, for the rows
-- that have a changelog (the others match through `search_head` alone); search ranks its candidates by that
-- expression, computed for them only. Same matches, same ranks; one copy of each changelog's document.
DROP INDEX packages_registry_document;
ALTER TABLE packages DROP COLUMN document;
CREATE INDEX packages_registry_document ON packages USING gin (registry, (search_head || changelog_document))
  WHERE changelog_document IS NOT NULL;
