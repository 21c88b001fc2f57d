/**
 * @slack/oauth's InstallationStore over our own store, so Bolt's built-in installer keeps every
 * workspace's (or org's) installation beside the rest of that workspace's data. An org-wide install
 * is kept once under the enterprise id and serves every workspace of the org.
 */
import type { Installation, InstallationQuery, InstallationStore } from '@slack/oauth';
import type { InstallationRecords } from '../workspace-records.js';

export function installationKey(query: { isEnterpriseInstall?: boolean; enterpriseId?: string | undefined; teamId?: string | undefined }): string | undefined {
  if (query.isEnterpriseInstall === true && query.enterpriseId !== undefined) return `E:${query.enterpriseId}`;
  return query.teamId === undefined ? undefined : `T:${query.teamId}`;
}

export function createInstallationStore(records: InstallationRecords, now: () => Date = () => new Date()): InstallationStore {
  return {
    async storeInstallation(installation) {
      const key = installationKey({ isEnterpriseInstall: installation.isEnterpriseInstall ?? false, enterpriseId: installation.enterprise?.id, teamId: installation.team?.id });
      if (key === undefined) throw new Error('Slack returned an installation with neither a team nor an enterprise id');
      await records.save({ key, teamId: installation.team?.id ?? null, enterpriseId: installation.enterprise?.id ?? null, data: JSON.stringify(installation), installedAt: now().toISOString() });
    },
    async fetchInstallation(query: InstallationQuery<boolean>) {
      const candidates = [installationKey(query), query.enterpriseId === undefined ? undefined : `E:${query.enterpriseId}`].filter((key): key is string => key !== undefined);
      for (const key of candidates) {
        const record = await records.get(key);
        if (record !== undefined) return JSON.parse(record.data) as Installation;
      }
      throw new Error(`migrate-help is not installed in ${query.teamId ?? query.enterpriseId ?? 'this workspace'}: install it at /slack/install`);
    },
    async deleteInstallation(query: InstallationQuery<boolean>) {
      const key = installationKey(query);
      if (key !== undefined) await records.remove(key);
    },
  };
}
