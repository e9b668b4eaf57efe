import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/checks/rules.js';

describe('RULES (named refinements of the kinds\' params)', () => {
  it('isRegex: a valid JavaScript regular expression, the same answer every time', () => {
    for (let i = 0; i < 2; i++) {
      expect(RULES.isRegex('^PASS (\\d+)$')).toBe(true);
      expect(RULES.isRegex('(unclosed')).toBe(false);
    }
  });

  it('isDuration: a duration with a unit', () => {
    expect(RULES.isDuration('1h30m')).toBe(true);
    expect(RULES.isDuration('90')).toBe(false);
  });

  it('runXorArgv: exactly one of run and argv', () => {
    expect(RULES.runXorArgv({ run: 'true' })).toBe(true);
    expect(RULES.runXorArgv({ argv: ['true'] })).toBe(true);
    expect(RULES.runXorArgv({ run: 'true', argv: ['true'] })).toBe(false);
    expect(RULES.runXorArgv({})).toBe(false);
  });

  it('isRegex: the same answer for a pattern seen before, valid or not, and for many patterns', () => {
    // more patterns than the memo keeps: the answers do not change once it is full
    for (let i = 0; i < 1100; i++) expect(RULES.isRegex(`^x{${i}}$`), `pattern ${i}`).toBe(true);
    expect(RULES.isRegex('[')).toBe(false);
    expect(RULES.isRegex('[')).toBe(false);
    expect(RULES.isRegex('^x{5}$')).toBe(true);
  });

  it('envXorVar: exactly one of env and var', () => {
    expect(RULES.envXorVar({ env: 'TOKEN' })).toBe(true);
    expect(RULES.envXorVar({ var: 'token' })).toBe(true);
    expect(RULES.envXorVar({ env: 'TOKEN', var: 'token' })).toBe(false);
    expect(RULES.envXorVar({})).toBe(false);
  });

  it('fileXorUrlAndUid: a file alone, or both url and uid', () => {
    expect(RULES.fileXorUrlAndUid({ file: 'd.json' })).toBe(true);
    expect(RULES.fileXorUrlAndUid({ url: 'https://g', uid: 'abc' })).toBe(true);
    expect(RULES.fileXorUrlAndUid({ file: 'd.json', url: 'https://g' })).toBe(false);
    expect(RULES.fileXorUrlAndUid({ file: 'd.json', uid: 'abc' })).toBe(false);
    expect(RULES.fileXorUrlAndUid({ url: 'https://g' })).toBe(false);
    expect(RULES.fileXorUrlAndUid({ uid: 'abc' })).toBe(false);
    expect(RULES.fileXorUrlAndUid({})).toBe(false);
  });

  it('targetsOrDiscover: targets, discover, or both', () => {
    expect(RULES.targetsOrDiscover({ targets: ['https://a'] })).toBe(true);
    expect(RULES.targetsOrDiscover({ targets: [], discover: { namespace: 'x' } })).toBe(true);
    expect(RULES.targetsOrDiscover({ targets: [] })).toBe(false);
  });

  it('serviceOrUrl and namespacesOrSelector: either one, or both', () => {
    expect(RULES.serviceOrUrl({ service: 'api' })).toBe(true);
    expect(RULES.serviceOrUrl({ url: 'http://api' })).toBe(true);
    expect(RULES.serviceOrUrl({})).toBe(false);
    expect(RULES.namespacesOrSelector({ namespaces: ['a'] })).toBe(true);
    expect(RULES.namespacesOrSelector({ namespaceSelector: 'team=x' })).toBe(true);
    expect(RULES.namespacesOrSelector({})).toBe(false);
  });

  it('hasProbe: a network-policy check that probes', () => {
    expect(RULES.hasProbe({ probe: { from: 'a' } })).toBe(true);
    expect(RULES.hasProbe({})).toBe(false);
  });

  it('oneLogSource: exactly one of files, command and pods', () => {
    expect(RULES.oneLogSource({ files: ['a.log'] })).toBe(true);
    expect(RULES.oneLogSource({ command: 'journalctl' })).toBe(true);
    expect(RULES.oneLogSource({ pods: { selector: 'app=x' } })).toBe(true);
    expect(RULES.oneLogSource({ files: ['a.log'], pods: { selector: 'app=x' } })).toBe(false);
    expect(RULES.oneLogSource({})).toBe(false);
  });

  it('pathsOrPrefix and maxAgeOrRotationKey: either one, or both', () => {
    expect(RULES.pathsOrPrefix({ paths: ['secret/a'] })).toBe(true);
    expect(RULES.pathsOrPrefix({ paths: [], prefix: 'secret/' })).toBe(true);
    expect(RULES.pathsOrPrefix({ paths: [] })).toBe(false);
    expect(RULES.maxAgeOrRotationKey({ maxAge: '90d' })).toBe(true);
    expect(RULES.maxAgeOrRotationKey({ rotationKey: 'rotated_at' })).toBe(true);
    expect(RULES.maxAgeOrRotationKey({})).toBe(false);
  });
});
