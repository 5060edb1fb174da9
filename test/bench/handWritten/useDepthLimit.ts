import type { FieldNode, ValidationContext, ValidationRule } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { fieldsOf, isIntrospection } from './fieldsOf';

export interface DepthLimitOptions {
  maxDepth: number;
  /** Introspection (`__schema`, `__type`) is deeper by nature: tools such as GraphiQL need about 13. */
  maxIntrospectionDepth?: number;
}

/** Refuses operations nested deeper than `maxDepth` fields, counting through fragments. */
export function useDepthLimit({ maxDepth, maxIntrospectionDepth = 15 }: DepthLimitOptions): Plugin {
  const rule: ValidationRule = (context) => ({
    OperationDefinition(operation) {
      for (const field of fieldsOf(operation.selectionSet, context)) {
        const limit = isIntrospection(field) ? maxIntrospectionDepth : maxDepth;
        const found = depth(field, context, limit);
        if (found > limit) {
          context.reportError(
            createGraphQLError(`the operation is nested ${found > limit + 1 ? 'more than ' : ''}${limit + 1} levels deep; at most ${limit} are allowed`, {
              nodes: [operation],
              extensions: { code: 'DEPTH_LIMIT_EXCEEDED', http: { status: 400 } },
            }),
          );
          return;
        }
      }
    },
  });
  return { onValidate: ({ addValidationRule }) => addValidationRule(rule) };
}

/**
 * The field's depth, counting itself; stops once past `limit`, or after visiting `budget.fields` fields
 * (fragments spread many times over can make a short document a huge tree: the cost limit refuses it).
 */
function depth(field: FieldNode, context: ValidationContext, limit: number, budget = { fields: 10_000 }, level = 1): number {
  if (level > limit || --budget.fields < 0) return level;
  let deepest = level;
  for (const child of fieldsOf(field.selectionSet, context)) {
    deepest = Math.max(deepest, depth(child, context, limit, budget, level + 1));
    if (deepest > limit) break;
  }
  return deepest;
}
