/** The deploy stage a migration declares for itself (django-syzygy, django-safemigrate). */
import type { MigrationFile } from '../../types.js';

export type DeployStage = 'pre-deploy' | 'post-deploy';

/**
 * The stage a migration declares for itself: django-syzygy's `stage = Stage.POST_DEPLOY` or
 * django-safemigrate's `safe = Safe.after_deploy` (also written as a call in newer releases), or Sentry's
 * `is_post_deployment = True` (run by hand or by a job after the deploy).
 */
export function declaredStage(migration: MigrationFile): { stage: DeployStage; text: string } | null {
  const stage = migration.extraAttributes['stage'];
  if (stage !== undefined) {
    if (/POST_DEPLOY/i.test(stage)) return { stage: 'post-deploy', text: `stage = ${stage}` };
    if (/PRE_DEPLOY/i.test(stage)) return { stage: 'pre-deploy', text: `stage = ${stage}` };
  }
  const sentry = migration.extraAttributes['is_post_deployment'];
  if (sentry !== undefined) return sentry.trim() === 'True' ? { stage: 'post-deploy', text: `is_post_deployment = ${sentry}` } : null;
  const safe = migration.extraAttributes['safe'];
  if (safe !== undefined) {
    if (/after_deploy/i.test(safe)) return { stage: 'post-deploy', text: `safe = ${safe}` };
    if (/before_deploy/i.test(safe)) return { stage: 'pre-deploy', text: `safe = ${safe}` };
  }
  return null;
}
