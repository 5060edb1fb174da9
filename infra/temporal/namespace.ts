// The namespace crawls run in and the search attributes they carry, created when missing. Run against a
// Postgres-backed server at every start (the dev server is given both on its command line).
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/searchAttributes';

const ALREADY_EXISTS = 6;
const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;

export interface NamespaceOptions {
  /** How long closed workflows (and so crawl histories in the Temporal UI) are kept. Default 7 days. */
  retentionDays?: number;
  log?: (line: string) => void;
}

function isAlreadyExists(err: unknown): boolean {
  return (err as { code?: unknown }).code === ALREADY_EXISTS;
}

/** Creates the namespace and the search attributes where missing; returns once the frontend serves both. */
export async function ensureNamespace(address: string, namespace: string, options: NamespaceOptions = {}): Promise<void> {
  const { retentionDays = 7, log = () => undefined } = options;
  const connection = await Connection.connect({ address });
  try {
    try {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`) });
      log(`namespace ${namespace} created (retention ${retentionDays} days)`);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    const existing = await waitForNamespace(connection, namespace);
    const missing = ALL_SEARCH_ATTRIBUTES.filter((key) => !(key.name in existing));
    if (missing.length > 0) {
      try {
        await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(missing.map((key) => [key.name, KEYWORD])) });
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      log(`search attributes ${missing.map((key) => key.name).join(', ')} created in ${namespace}`);
    }
    // Visibility learns of new search attributes through a cache: wait until a query by one works.
    await until(`the search attributes of ${namespace} to become usable`, () => connection.workflowService.listWorkflowExecutions({ namespace, query: 'Registry = "npm"' }));
  } finally {
    await connection.close();
  }
}

/** The frontend learns of a new namespace through a cache refresh: waits until it answers for it. */
async function waitForNamespace(connection: Connection, namespace: string): Promise<Record<string, unknown>> {
  const { customAttributes } = await until(`namespace ${namespace} to become usable`, () => connection.operatorService.listSearchAttributes({ namespace }));
  return customAttributes ?? {};
}

async function until<T>(what: string, attempt: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${(err as Error).message}`, { cause: err });
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
