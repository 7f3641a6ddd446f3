import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { callersFile, configFile, policyFile, projectRoot } from './paths';

describe(projectRoot.name, () => {
  it('finds the folder with package.json and schemas/ above the code', () => {
    const sut = projectRoot();
    expect(sut).toBe(resolve(__dirname, '..', '..', '..'));
    expect((JSON.parse(readFileSync(join(sut, 'package.json'), 'utf8')) as { name: string }).name).toBe(
      'lgsp-hub',
    );
    expect(existsSync(join(sut, 'config', 'callers.dev.json'))).toBe(true);
  });

  it('takes LGSP_ROOT instead, for every file found from it', () => {
    const env = { LGSP_ROOT: '/srv/lgsp' };
    expect(projectRoot(env)).toBe('/srv/lgsp');
    expect(callersFile(env)).toBe('/srv/lgsp/config/callers.dev.json');
    expect(policyFile(env)).toBe('/srv/lgsp/config/policy.dev.json');
  });

  it('prefers the file a variable names to the development one', () => {
    expect(callersFile({ LGSP_CALLERS_FILE: '/run/secrets/callers.json' })).toBe('/run/secrets/callers.json');
    expect(policyFile({ LGSP_POLICY_FILE: '/etc/lgsp/policy.json' })).toBe('/etc/lgsp/policy.json');
    expect(configFile({}, 'LGSP_AUDIT_KEYS_FILE', 'audit-keys.dev.json')).toBe(
      join(projectRoot(), 'config', 'audit-keys.dev.json'),
    );
  });
});
