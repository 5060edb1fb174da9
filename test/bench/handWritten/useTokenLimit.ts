import type { Plugin } from 'graphql-yoga';

/** Parsing stops after `maxTokens` tokens, before a huge document costs memory or time. */
export function useTokenLimit({ maxTokens }: { maxTokens: number }): Plugin {
  return {
    onParse({ parseFn, setParseFn }) {
      setParseFn((source, options) => parseFn(source, { ...options, maxTokens }));
    },
  };
}
