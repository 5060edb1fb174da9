// What a lockfile says, whatever its format: the registry its packages come from and the exact version of each.
import type { Registry } from '../../workflows/types';

export const LOCKFILE_FORMATS = ['package-lock', 'gemfile-lock', 'requirements-txt', 'poetry-lock', 'uv-lock'] as const;
export type LockfileFormat = (typeof LOCKFILE_FORMATS)[number];

/** The file name each format usually has, for messages and detection. */
export const FILE_NAMES: Record<LockfileFormat, string> = {
  'package-lock': 'package-lock.json',
  'gemfile-lock': 'Gemfile.lock',
  'requirements-txt': 'requirements.txt',
  'poetry-lock': 'poetry.lock',
  'uv-lock': 'uv.lock',
};

export const REGISTRY_OF: Record<LockfileFormat, Registry> = {
  'package-lock': 'npm',
  'gemfile-lock': 'rubygems',
  'requirements-txt': 'pypi',
  'poetry-lock': 'pypi',
  'uv-lock': 'pypi',
};

export interface LockedDependency {
  /** As the lockfile spells it (PyPI names are normalised later, where the report looks them up). */
  name: string;
  version: string;
  /** Only needed for development (package-lock `dev`, poetry's `dev` category). */
  dev: boolean;
}

export interface ParsedLockfile {
  format: LockfileFormat;
  registry: Registry;
  /** One per package and version, in the lockfile's order; a package locked at two versions appears twice. */
  dependencies: LockedDependency[];
  /**
   * What the report leaves out and why: packages that do not come from the registry (git, a path, a URL),
   * requirements that are not pinned to one version. Each names the file and line where it can.
   */
  skipped: string[];
}

/** A lockfile that cannot be read: the message names the file and, where it can, the line. */
export class LockfileError extends Error {
  override name = 'LockfileError';
  constructor(
    readonly fileName: string,
    readonly line: number | null,
    readonly reason: string,
  ) {
    super(`${fileName}${line === null ? '' : `:${line}`}: ${reason}`);
  }
}

/** Collects dependencies, keeping the first of each name and version. */
export class DependencyList {
  private readonly seen = new Map<string, LockedDependency>();
  readonly skipped: string[] = [];

  add(name: string, version: string, dev = false): void {
    const key = `${name}\u0000${version}`;
    const known = this.seen.get(key);
    if (known) known.dev &&= dev;
    else this.seen.set(key, { name, version, dev });
  }

  skip(reason: string): void {
    this.skipped.push(reason);
  }

  result(format: LockfileFormat): ParsedLockfile {
    return { format, registry: REGISTRY_OF[format], dependencies: [...this.seen.values()], skipped: this.skipped };
  }
}

/** The 1-based line of a character offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line += 1;
  return line;
}
