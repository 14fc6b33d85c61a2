import { API_PRIVILEGES } from '../../common/api';
import { aptDetectionFeature } from '../../server/feature';
import { startTestHost } from './host_helpers';

describe('route privileges', () => {
  it('every route the plugin registers requires a privilege that the feature grants', async () => {
    const { host } = await startTestHost();
    try {
      const routes = host.router.routes;
      expect(routes.length).toBeGreaterThanOrEqual(7);
      const granted = new Set([
        ...aptDetectionFeature.privileges.all.api,
        ...aptDetectionFeature.privileges.read.api,
      ]);
      const offenders = routes.filter((r) => {
        const req = r.config.security?.authz?.requiredPrivileges ?? [];
        return req.length === 0 || req.some((p) => !granted.has(p));
      });
      expect(offenders.map((r) => `${r.method.toUpperCase()} ${r.config.path}`)).toEqual([]);
      // Changing routes need the write privilege, which only `all` grants.
      for (const r of routes.filter((x) => x.method !== 'get')) {
        expect(r.config.security.authz.requiredPrivileges).toContain(API_PRIVILEGES.write);
      }
      expect(aptDetectionFeature.privileges.read.api).not.toContain(API_PRIVILEGES.write);
    } finally {
      await host.stop();
    }
  });
});
