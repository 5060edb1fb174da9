import { REGISTRIES, type Registry } from '../../workflows/types';
import { userError } from '../errors';

/** GraphQL enum value (NPM) ↔ stored registry id (npm). */
export function fromEnum(value: string): Registry {
  const registry = value.toLowerCase() as Registry;
  if (!REGISTRIES.includes(registry)) throw userError('BAD_USER_INPUT', `unknown registry ${value}`);
  return registry;
}

export function toEnum(registry: string): string {
  return registry.toUpperCase();
}

const MAX_NAME_LENGTH = 214; // npm's limit, the longest of the three registries

export function validName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > MAX_NAME_LENGTH || /[\s\p{Cc}]/u.test(trimmed)) {
    throw userError('BAD_USER_INPUT', `"${name.slice(0, 50)}" is not a valid package name`);
  }
  return trimmed;
}
