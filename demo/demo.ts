// `npx tsx demo/demo.ts [perSecond] [seed]`: every upstream on this machine, printing the variables that
// point a crawler at them, then a steady stream of realistic releases until Ctrl-C.
import { startUpstreams } from './index';
import { runScenario } from './scenario';

async function run(): Promise<void> {
  const [perSecond = '1', seed = '1'] = process.argv.slice(2);
  const upstreams = await startUpstreams();
  try {
    for (const [key, value] of Object.entries(upstreams.env)) console.log(`export ${key}=${value}`);
    const scenario = runScenario(upstreams, {
      perSecond: Number(perSecond),
      seed: Number(seed),
      onPublished: (ref, { source, format }) => console.log(`${ref.registry} ${ref.name}@${ref.version} (${format}, ${source})`),
    });
    const stop = () => void scenario.stop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await scenario.done;
  } finally {
    await upstreams.close();
  }
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
