// The pages' URLs: `/<registry>/<name>` (a scoped npm name keeps its slash: `/npm/@scope/name`), its
// `/changes`, `/crawl` and `.atom`, and the Temporal UI address of a crawl's workflow.
import { canonicalName, REGISTRIES, type Registry } from '../../workflows/types';

export type PackageView = 'page' | 'changes' | 'atom' | 'crawl';

export interface PackageRoute {
  registry: Registry;
  name: string;
  view: PackageView;
}

/** A path segment, percent-encoded, but with `@` kept readable (`@scope`). */
const segment = (text: string) => encodeURIComponent(text).replace(/^%40/, '@');

export function packagePath(registry: string, name: string, view: PackageView = 'page'): string {
  const base = `/${registry}/${name.split('/').map(segment).join('/')}`;
  return view === 'page' ? base : view === 'atom' ? `${base}.atom` : `${base}/${view}`;
}

const ROUTE = /^\/([a-z]+)\/((?:@[^/]+\/)?[^/]+?)(\.atom|\/changes|\/crawl)?\/?$/;
const MAX_NAME_LENGTH = 214;

/**
 * The package a path names, or null when it names none. `canonical` is the path the package's page lives
 * at (PyPI names are normalised, `%40scope` reads as `@scope`): a request elsewhere is redirected there.
 */
export function parsePackagePath(pathname: string): (PackageRoute & { canonical: string }) | null {
  const match = ROUTE.exec(pathname);
  if (!match || !(REGISTRIES as readonly string[]).includes(match[1]!)) return null;
  const registry = match[1] as Registry;
  let decoded: string;
  try {
    decoded = match[2]!.split('/').map(decodeURIComponent).join('/');
  } catch {
    return null;
  }
  // An encoded slash may only separate an npm scope from its name.
  const slashes = decoded.split('/').length - 1;
  if (!decoded || decoded.length > MAX_NAME_LENGTH || /[\s\p{Cc}]/u.test(decoded) || slashes > 1 || (slashes === 1 && !(registry === 'npm' && decoded.startsWith('@')))) return null;
  const view: PackageView = match[3] === '.atom' ? 'atom' : match[3] === '/changes' ? 'changes' : match[3] === '/crawl' ? 'crawl' : 'page';
  const name = canonicalName(registry, decoded);
  return { registry, name, view, canonical: packagePath(registry, name, view) };
}

/** A crawl's workflow in the Temporal UI (its run, when known). */
export function temporalWorkflowUrl(uiUrl: string, namespace: string, workflowId: string, runId: string | null): string {
  const base = `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : `${base}/history`;
}

/** The anchor of a changelog entry: `v1.2.3`, or `unreleased`. */
export function entryAnchor(version: string | null): string {
  return version === null ? 'unreleased' : `v${version.replace(/^v(?=\d)/i, '').replace(/[^\w.+!-]/g, '-')}`;
}
