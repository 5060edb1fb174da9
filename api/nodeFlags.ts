// The Node.js flags the API process is started with, wherever it is started: `npm start` (cli/start.ts), the
// API's NODE_OPTIONS in docker-compose.yml and the Kubernetes manifest (test/deploy.unit.test.ts checks they match),
// and the read-side benchmark's API processes.
//
// A larger young generation (64 MB semi-spaces, up from 16): delivering an event to thousands of live subscribers
// allocates a few short-lived objects per subscriber, and with the default size the scavenger ran often enough to
// take a fifth of the API's CPU. `npm run bench:read-side` (10,000 subscribers over two processes): 70 µs of CPU a
// delivery without the flag, 49 µs with it, in back-to-back runs. It costs up to about 100 MB more memory per
// process at peak.
export const API_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];
