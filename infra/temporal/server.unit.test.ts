import net from 'node:net';
import { assertServicePortsFree, freeServerPort } from './server';

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const close = (server: net.Server) => new Promise((resolve) => server.close(resolve));

test('a port for a server started beside other work leaves every service port free, below the ephemeral range', async () => {
  const port = await freeServerPort();
  expect(port).toBeGreaterThanOrEqual(20_300);
  expect(port + 10).toBeLessThan(32_768);
  await expect(assertServicePortsFree(port)).resolves.toBeUndefined();
  // The services' ports and the membership ports below them can all be listened on.
  const servers = await Promise.all([0, 1, 2, 6, 10, -300, -299, -298, -294].map((offset) => listen(port + offset)));
  await Promise.all(servers.map(close));
});

test('a start on a port whose service ports are taken fails before anything is set up, naming them', async () => {
  const port = await freeServerPort();
  const history = await listen(port + 1);
  const http = await listen(port + 10);
  try {
    await expect(assertServicePortsFree(port)).rejects.toThrow(`${port + 1} (history), ${port + 10} (frontend HTTP) are in use`);
  } finally {
    await Promise.all([close(history), close(http)]);
  }
  await expect(assertServicePortsFree(port)).resolves.toBeUndefined();
});
