import { type FieldNode, Kind, type ValidationContext, type ValidationRule } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../../api/connections';
import { fieldsOf } from './fieldsOf';

export interface CostLimitOptions {
  maxCost: number;
  /** Fields returning pages: their selections count once per requested item (`first`). */
  pagedFields: readonly string[];
  /** Fields returning unpaged lists, and how many items to assume. */
  listFields: Readonly<Record<string, number>>;
}

/**
 * Refuses operations whose estimated cost is above `maxCost`. Each field costs 1, and a list field's
 * selections count once per item it may return, so `search(first: 100) { … entries { … } }` is priced as
 * what it would load. Introspection counts too (one per field), which also bounds fragment bombs. A `first` given as a variable is priced at the page-size cap (validation runs once
 * per document, before variables are known).
 */
export function useCostLimit({ maxCost, pagedFields, listFields }: CostLimitOptions): Plugin {
  const itemsOf = (field: FieldNode): number => {
    const name = field.name.value;
    if (pagedFields.includes(name)) {
      const first = field.arguments?.find((a) => a.name.value === 'first')?.value;
      if (!first) return DEFAULT_PAGE_SIZE;
      return first.kind === Kind.INT ? Math.min(Math.max(Number(first.value), 1), MAX_PAGE_SIZE) : MAX_PAGE_SIZE;
    }
    return listFields[name] ?? 1;
  };
  const cost = (fields: FieldNode[], context: ValidationContext, budget: number): number => {
    let total = 0;
    for (const field of fields) {
      total += 1 + itemsOf(field) * cost(fieldsOf(field.selectionSet, context), context, budget);
      if (total > budget) return total;
    }
    return total;
  };
  const rule: ValidationRule = (context) => ({
    OperationDefinition(operation) {
      const found = cost(fieldsOf(operation.selectionSet, context), context, maxCost);
      if (found > maxCost) {
        context.reportError(
          createGraphQLError(`the operation's estimated cost is above the limit of ${maxCost}: ask for fewer items or fields`, {
            nodes: [operation],
            extensions: { code: 'COST_LIMIT_EXCEEDED', http: { status: 400 } },
          }),
        );
      }
    },
  });
  return { onValidate: ({ addValidationRule }) => addValidationRule(rule) };
}
