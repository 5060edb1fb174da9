import { type FieldNode, Kind, type SelectionSetNode, type ValidationContext } from 'graphql';

/**
 * The fields a selection set selects, with inline fragments and fragment spreads flattened. A fragment is
 * expanded once per selection set: spreading it again selects the same fields (which merge), and a cycle
 * (reported by graphql's own rule) must not loop here.
 */
export function fieldsOf(selectionSet: SelectionSetNode | undefined, context: ValidationContext, expanded = new Set<string>()): FieldNode[] {
  if (!selectionSet) return [];
  return selectionSet.selections.flatMap((selection): FieldNode[] => {
    switch (selection.kind) {
      case Kind.FIELD:
        return [selection];
      case Kind.INLINE_FRAGMENT:
        return fieldsOf(selection.selectionSet, context, expanded);
      case Kind.FRAGMENT_SPREAD: {
        const name = selection.name.value;
        const fragment = context.getFragment(name);
        if (!fragment || expanded.has(name)) return [];
        expanded.add(name);
        return fieldsOf(fragment.selectionSet, context, expanded);
      }
    }
  });
}

export function isIntrospection(field: FieldNode): boolean {
  return field.name.value === '__schema' || field.name.value === '__type';
}
