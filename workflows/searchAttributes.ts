// The search attributes every crawl carries, so the Temporal UI can filter crawls by them.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const REGISTRY = defineSearchAttributeKey('Registry', SearchAttributeType.KEYWORD);
export const PACKAGE = defineSearchAttributeKey('Package', SearchAttributeType.KEYWORD);
export const VERSION = defineSearchAttributeKey('Version', SearchAttributeType.KEYWORD);
export const OUTCOME = defineSearchAttributeKey('Outcome', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [REGISTRY, PACKAGE, VERSION, OUTCOME];
