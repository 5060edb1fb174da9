// Limits on what one GraphQL document may ask for, from GraphQL Armor's rules. Armor reports a rejection as
// a plain error whose message starts "Syntax Error"; clients get the codes documented in the schema instead.
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { GraphQLError, type ValidationContext } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

export const LIMITS = {
  /** Fields nested in fields, fragments not counting as a level. */
  maxDepth: 8,
  maxAliases: 15,
  /**
   * Armor's estimate: 2 per object and 1 per scalar field, each level's fields weighing 1.5 times its
   * parent's, and a literal `first: n` multiplying its field by n (a `first` given as a variable counts
   * once: the page-size cap of 100 bounds it). A page of 100 search results with every package field and
   * its changelog's name costs about 5,200; the same page with each package's last 10 crawls, 44,000.
   */
  maxCost: 10_000,
  maxTokens: 1_000,
} as const;

type LimitCode = 'DEPTH_LIMIT_EXCEEDED' | 'ALIAS_LIMIT_EXCEEDED' | 'COST_LIMIT_EXCEEDED' | 'TOKEN_LIMIT_EXCEEDED';

function coded(error: GraphQLError, code: LimitCode): GraphQLError {
  return createGraphQLError(error.message.replace(/^Syntax Error: /, ''), { extensions: { code, http: { status: 400 } } });
}

/** A validation rule's rejection, reported (not thrown) so that it reaches the client with its code. */
function reportAs(code: LimitCode) {
  return {
    propagateOnRejection: false,
    onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(coded(error, code))],
  };
}

/**
 * The token limit stops the parser, so its rejection is thrown; the error is noted here and swapped for a
 * coded one once parsing has failed.
 */
function useTokenLimit(maxTokens: number): Plugin[] {
  const rejections = new WeakSet<GraphQLError>();
  return [
    maxTokensPlugin({ n: maxTokens, onReject: [(_context: unknown, error: GraphQLError) => void rejections.add(error)] }),
    {
      onParse: () => ({ result, replaceParseResult }) => {
        if (result instanceof GraphQLError && rejections.has(result)) replaceParseResult(coded(result, 'TOKEN_LIMIT_EXCEEDED'));
      },
    },
  ];
}

export function useLimits(limits: typeof LIMITS = LIMITS): Plugin[] {
  return [
    ...useTokenLimit(limits.maxTokens),
    maxDepthPlugin({ n: limits.maxDepth, flattenFragments: true, ...reportAs('DEPTH_LIMIT_EXCEEDED') }),
    maxAliasesPlugin({ n: limits.maxAliases, ...reportAs('ALIAS_LIMIT_EXCEEDED') }),
    costLimitPlugin({ maxCost: limits.maxCost, ...reportAs('COST_LIMIT_EXCEEDED') }),
  ];
}
