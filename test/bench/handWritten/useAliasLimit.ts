import type { FieldNode, ValidationContext, ValidationRule } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { fieldsOf } from './fieldsOf';

/** Refuses operations with more than `maxAliases` aliased fields: aliases multiply the work of one field. */
export function useAliasLimit({ maxAliases }: { maxAliases: number }): Plugin {
  const rule: ValidationRule = (context) => ({
    OperationDefinition(operation) {
      const count = countAliases(fieldsOf(operation.selectionSet, context), context, maxAliases, { fields: 10_000 });
      if (count > maxAliases) {
        context.reportError(
          createGraphQLError(`the operation uses more than ${maxAliases} aliases`, {
            nodes: [operation],
            extensions: { code: 'ALIAS_LIMIT_EXCEEDED', http: { status: 400 } },
          }),
        );
      }
    },
  });
  return { onValidate: ({ addValidationRule }) => addValidationRule(rule) };
}

/** Stops past `limit`, or after visiting `budget.fields` fields (huge trees are the cost limit's to refuse). */
function countAliases(fields: FieldNode[], context: ValidationContext, limit: number, budget: { fields: number }): number {
  let count = 0;
  for (const field of fields) {
    if (--budget.fields < 0) return count;
    if (field.alias) count += 1;
    if (count > limit) return count;
    count += countAliases(fieldsOf(field.selectionSet, context), context, limit - count, budget);
  }
  return count;
}
