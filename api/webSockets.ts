// graphql-ws on the HTTP server's /graphql path. Every operation goes through yoga's envelop, so the
// same plugins (limits, error masking) guard subscriptions as guard HTTP requests.
import type http from 'node:http';
import type { ExecutionArgs } from 'graphql';
import { GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import type { ApiContext } from './context';

type Enveloped = ReturnType<YogaServerInstance<object, ApiContext>['getEnveloped']>;

export function serveWebSockets(server: http.Server, yoga: YogaServerInstance<object, ApiContext>): { close(graceMs: number): Promise<void> } {
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  const disposable = useServer(
    {
      execute: (args: ExecutionArgs) => (args.rootValue as Enveloped).execute(args),
      subscribe: (args: ExecutionArgs) => (args.rootValue as Enveloped).subscribe(args),
      onSubscribe: async (ctx, _id, payload) => {
        const enveloped = yoga.getEnveloped({ ...ctx, req: ctx.extra.request, socket: ctx.extra.socket, params: payload });
        let document;
        try {
          document = enveloped.parse(payload.query);
        } catch (err) {
          if (err instanceof GraphQLError) return [err];
          throw err;
        }
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) return errors;
        return {
          schema: enveloped.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await enveloped.contextFactory(),
          rootValue: enveloped,
        };
      },
    },
    wss,
  );
  return {
    /** Closes every socket with 1001 (going away), and cuts those whose clients have not closed within `graceMs`. */
    async close(graceMs) {
      const clients = [...wss.clients];
      const gone = Promise.all(clients.map((client) => (client.readyState === client.CLOSED ? undefined : new Promise((resolve) => client.once('close', resolve)))));
      await disposable.dispose();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([gone, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
      for (const client of clients) client.terminate();
    },
  };
}
