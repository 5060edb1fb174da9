// The end of a CI run: what passed and failed over all four jest runs, each failed test by name with the first
// line of its failure, and for a run that wrote no results (it crashed, or its global setup failed) the end of
// its output. Often only the tail of a CI log is kept; this puts what matters there.
const fs = require('node:fs');
const path = require('node:path');

const [dir, ...runs] = process.argv.slice(2);
const firstLine = (text) => (text ?? '').split('\n').find((line) => line.trim())?.trim().slice(0, 300) ?? '';
let passed = 0;
let failed = 0;
for (const name of runs) {
  let results;
  try {
    results = JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8'));
  } catch {
    failed++;
    const log = fs.existsSync(path.join(dir, `${name}.log`)) ? fs.readFileSync(path.join(dir, `${name}.log`), 'utf8') : '';
    console.log(`${name}: no results (the run crashed, or its setup failed); the end of its output:`);
    console.log(log.trimEnd().split('\n').slice(-25).map((line) => `  | ${line.slice(0, 300)}`).join('\n'));
    continue;
  }
  passed += results.numPassedTests;
  failed += results.numFailedTests;
  for (const suite of results.testResults) {
    if (suite.status !== 'failed') continue;
    const tests = suite.assertionResults.filter((test) => test.status === 'failed');
    if (tests.length === 0) console.log(`${name}: FAILED ${suite.name}: ${firstLine(suite.message) || 'the suite failed to run'}`);
    for (const test of tests) console.log(`${name}: FAILED ${suite.name} › ${test.fullName}: ${firstLine(test.failureMessages?.[0])}`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
