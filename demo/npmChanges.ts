// The replication feed's state: CouchDB semantics, where a document appears once, at the seq of its latest change.
export interface Change {
  seq: number;
  id: string;
  changes: [{ rev: string }];
  deleted?: true;
}

export class ChangesFeed {
  private seq = 0;
  /** Latest change per document, in seq order (re-inserting moves a document to the end). */
  private readonly latest = new Map<string, Change>();

  get updateSeq(): number {
    return this.seq;
  }

  get docCount(): number {
    return [...this.latest.values()].filter((c) => !c.deleted).length;
  }

  get deletedCount(): number {
    return this.latest.size - this.docCount;
  }

  record(id: string, rev: string, deleted = false): Change {
    this.seq += 1;
    const change: Change = { seq: this.seq, id, changes: [{ rev }], ...(deleted && { deleted: true as const }) };
    this.latest.delete(id);
    this.latest.set(id, change);
    return change;
  }

  /** Changes after `since`, oldest first; `last_seq` is the last one's seq, or `since` itself when caught up. */
  since(since: number, limit: number): { results: Change[]; last_seq: number } {
    const results: Change[] = [];
    for (const change of this.latest.values()) {
      if (change.seq <= since) continue;
      results.push(change);
      if (results.length === limit) break;
    }
    return { results, last_seq: results.at(-1)?.seq ?? since };
  }

  /**
   * The sequence starts over at `to`, as when the replica was rebuilt: history before the reset leaves the feed,
   * and new changes are numbered from `to + 1`.
   */
  reset(to: number): void {
    this.latest.clear();
    this.seq = to;
  }
}
