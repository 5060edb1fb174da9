// How the test setup obtains Chromium. A real apt-get would change this machine, so the install path runs
// against a stand-in apt-get script on PATH that behaves as Debian's does with stale package lists.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChromiumNotFoundError, findChromium, locateChromium } from './chromium';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-locate-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function script(name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

const nowhere = { knownPaths: [] as string[] };

test('CHROMIUM_PATH wins, and one that is not an executable is an error', () => {
  const browser = script('my-chromium', 'exit 0');
  expect(findChromium({ env: { CHROMIUM_PATH: browser }, knownPaths: ['/usr/bin/chromium'] })).toBe(browser);
  expect(() => findChromium({ env: { CHROMIUM_PATH: path.join(dir, 'missing') } })).toThrow(ChromiumNotFoundError);
});

test('a chromium on PATH is found when none is at the known paths', () => {
  const browser = script('chromium', 'exit 0');
  expect(findChromium({ env: { PATH: dir }, ...nowhere })).toBe(browser);
  expect(findChromium({ env: { PATH: path.join(dir, 'empty') }, ...nowhere })).toBeNull();
});

test('without Chromium or a usable apt-get, the error is one line saying what to do', async () => {
  const attempt = locateChromium({ env: { PATH: dir }, ...nowhere, isRoot: true, progress: () => undefined });
  await expect(attempt).rejects.toThrow(ChromiumNotFoundError);
  const message = await attempt.catch((err: Error) => err.message);
  expect(message).not.toContain('\n');
  expect(message).toMatch(/CHROMIUM_PATH/);
  expect(message).toMatch(/apt-get/);
  // apt-get is there, but this user may not run it and sudo is not available.
  script('apt-get', 'exit 100');
  await expect(locateChromium({ env: { PATH: dir }, ...nowhere, isRoot: false, progress: () => undefined })).rejects.toThrow(/cannot be used/);
});

test('where apt-get can be used, Chromium is installed (updating stale package lists first), with progress', async () => {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const log = path.join(dir, 'apt.log');
  script(
    'apt-get',
    `echo "$@" >> ${log}
case "$1" in
  update) /bin/touch ${dir}/lists; echo "Get:1 http://mirror/debian stable InRelease"; exit 0 ;;
  install)
    if [ ! -f ${dir}/lists ]; then echo "E: Unable to locate package chromium" >&2; exit 100; fi
    echo "Get:1 http://mirror/debian stable/main chromium"; echo "Unpacking chromium"; echo "Setting up chromium"
    printf '#!/bin/sh\\n' > ${bin}/chromium; /bin/chmod +x ${bin}/chromium; exit 0 ;;
esac`,
  );
  const lines: string[] = [];
  const found = await locateChromium({ env: { PATH: `${dir}${path.delimiter}${bin}` }, ...nowhere, isRoot: true, progress: (line) => lines.push(line) });
  expect(found).toBe(path.join(bin, 'chromium'));
  expect(fs.readFileSync(log, 'utf8').trim().split('\n')).toEqual([
    'install -y --no-install-recommends chromium',
    'update',
    'install -y --no-install-recommends chromium',
  ]);
  expect(lines[0]).toMatch(/installing Debian's chromium package with apt-get/);
  expect(lines.at(-1)).toBe(`Chromium installed: ${path.join(bin, 'chromium')}`);
});
