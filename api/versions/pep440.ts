// PEP 440 ordering, from @renovatebot/pep440 (a port of pypa/packaging's rules, dev/pre/post/local and epochs).
import { compare, valid } from '@renovatebot/pep440';

/** A version in its normalised PEP 440 spelling. */
export type Pep440Version = string;

export function parsePep440(text: string): Pep440Version | null {
  return valid(text.trim());
}

export function comparePep440(a: Pep440Version, b: Pep440Version): number {
  return Math.sign(compare(a, b));
}
