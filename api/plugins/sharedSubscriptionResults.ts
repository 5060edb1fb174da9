// One execution per live event for every subscriber of the same operation. The log follower hands each event to
// every subscription of the process as the same object; subscribers that sent the same document with the same
// variables (nearly all of them, in practice) get the result executed for the first of them, instead of each
// executing the selection again: with thousands of subscribers, executing it was a fifth of the work of delivering
// an event. Sound because subscription fields resolve from the event alone, never from a subscriber's context.
// Events read for one subscriber (a catch-up) are its own objects and are executed for it alone.
import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

type Result = ExecutionResult | Promise<ExecutionResult>;

/** Results by event, then by operation (document text, operation name and variables). */
const resultsOf = new WeakMap<object, Map<string, Result>>();

function operationKey(args: ExecutionArgs): string | null {
  const text = args.document.loc?.source.body;
  if (text === undefined) return null;
  return JSON.stringify([text, args.operationName ?? null, args.variableValues ?? null]);
}

const DONE: IteratorResult<never> = { done: true, value: undefined };

// No async functions here: each would cost every delivery to every subscriber another promise or two.
function mapEvents(source: AsyncIterable<unknown>, map: (event: unknown) => Result): AsyncGenerator<ExecutionResult> {
  const events = source[Symbol.asyncIterator]();
  const toResult = (next: IteratorResult<unknown>): IteratorResult<ExecutionResult> | Promise<IteratorResult<ExecutionResult>> => {
    if (next.done) return DONE;
    const result = map(next.value);
    return result instanceof Promise ? result.then((value) => ({ done: false, value })) : { done: false, value: result };
  };
  const end = () => Promise.resolve(events.return?.()).then(() => DONE);
  const mapped: AsyncGenerator<ExecutionResult> = {
    next: () => events.next().then(toResult),
    return: end,
    throw: (err: unknown) => end().then(() => Promise.reject(err)),
    [Symbol.asyncIterator]: () => mapped,
    [Symbol.asyncDispose]: () => end().then(() => undefined),
  };
  return mapped;
}

async function sharedSubscribe(args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in source)) return source as ExecutionResult;
  const key = operationKey(args);
  return mapEvents(source, (event) => {
    if (key === null || typeof event !== 'object' || event === null) return execute({ ...args, rootValue: event });
    let results = resultsOf.get(event);
    if (!results) resultsOf.set(event, (results = new Map()));
    let result = results.get(key);
    if (!result) results.set(key, (result = execute({ ...args, rootValue: event })));
    return result;
  });
}

export function useSharedSubscriptionResults(): Plugin {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(sharedSubscribe as never);
    },
  };
}
