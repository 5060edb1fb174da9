import { entryAnchor, packagePath, parsePackagePath, temporalWorkflowUrl } from './paths';

describe('package paths', () => {
  test('read registry, name and view, scoped npm names included', () => {
    expect(parsePackagePath('/npm/express')).toMatchObject({ registry: 'npm', name: 'express', view: 'page', canonical: '/npm/express' });
    expect(parsePackagePath('/npm/@scope/pkg.js/changes')).toMatchObject({ name: '@scope/pkg.js', view: 'changes', canonical: '/npm/@scope/pkg.js/changes' });
    expect(parsePackagePath('/npm/%40scope%2Fpkg.atom')).toMatchObject({ name: '@scope/pkg', view: 'atom', canonical: '/npm/@scope/pkg.atom' });
    expect(parsePackagePath('/rubygems/rails/crawl')).toMatchObject({ registry: 'rubygems', name: 'rails', view: 'crawl' });
  });

  test('normalise PyPI names, so that every spelling has one canonical page', () => {
    expect(parsePackagePath('/pypi/Zope.Interface')).toMatchObject({ name: 'zope-interface', canonical: '/pypi/zope-interface' });
  });

  test('name nothing for other paths', () => {
    for (const path of ['/', '/npm', '/npm/', '/cargo/serde', '/npm/a/b', '/pypi/@a/b', '/npm/%E0%A4%A', '/npm/a%20b', '/graphql']) {
      expect(parsePackagePath(path)).toBeNull();
    }
  });

  test('round-trip through packagePath', () => {
    for (const name of ['@types/node', 'a+b', 'lodash']) expect(parsePackagePath(packagePath('npm', name))?.name).toBe(name);
  });
});

test('Temporal UI links name the namespace, workflow and run', () => {
  expect(temporalWorkflowUrl('http://ui:8233', 'default', 'crawl:npm:@a/b@1.0.0', 'r-1')).toBe('http://ui:8233/namespaces/default/workflows/crawl%3Anpm%3A%40a%2Fb%401.0.0/r-1/history');
  expect(temporalWorkflowUrl('http://ui:8233', 'default', 'crawl:npm:a@1', null)).toBe('http://ui:8233/namespaces/default/workflows/crawl%3Anpm%3Aa%401/history');
});

test('entry anchors are v<version>', () => {
  expect(entryAnchor('1.2.3')).toBe('v1.2.3');
  expect(entryAnchor('v2.0.0-rc.1')).toBe('v2.0.0-rc.1');
  expect(entryAnchor(null)).toBe('unreleased');
});
