-- Full-text search filtered by registry: with the registry in the search document's GIN index, a search in one
-- registry reads (and ranks) only that registry's matches instead of every registry's and dropping the rest.
-- A multicolumn GIN index serves a condition on either column alone as well as on both, so it replaces the
-- document-only index rather than adding to every write. btree_gin (contrib, like pg_trgm) lets GIN index
-- the plain text column.

CREATE EXTENSION IF NOT EXISTS btree_gin;

CREATE INDEX packages_registry_document ON packages USING gin (registry, document);
DROP INDEX packages_document;
