import { definePlaybook, orPlaceholder, step } from './types.js';

export default definePlaybook({
  id: 'app-registry-not-ready',
  title: 'App registry not ready, unknown app label or unresolvable related model',
  summary: 'Models are used before Django loaded them, or a migration reaches an app it does not depend on.',
  patterns: [
    { regex: /AppRegistryNotReady: (Apps|Models) aren't loaded yet/, extract: (m) => ({ kind: (m[1] ?? 'Apps').toLowerCase() }), confidence: 'high' },
    { regex: /LookupError: No installed app with label '(\w+)'/, extract: (m) => ({ kind: 'lookup', app: m[1] }), confidence: 'high' },
    {
      regex: /Related model '([\w.]+)' cannot be resolved/,
      extract: (m) => {
        const name = m[1] ?? '';
        const dot = name.indexOf('.');
        return dot === -1 ? { kind: 'related', model: name } : { kind: 'related', relatedApp: name.slice(0, dot), model: name.slice(dot + 1) };
      },
      confidence: 'high',
    },
  ],
  explain(x) {
    if (x.kind === 'lookup' || x.kind === 'related') {
      const target = x.kind === 'lookup' ? orPlaceholder(x.app, 'app') : orPlaceholder(x.relatedApp, 'app');
      return {
        meaning:
          x.kind === 'lookup'
            ? `apps.get_model() asked for the app '${target}', but the historical app registry of this migration does not contain it. In a migration that means the migration has no dependency on that app.`
            : `A relation points at ${x.relatedApp ? `${x.relatedApp}.` : ''}${orPlaceholder(x.model, 'model')}, which the migration state does not contain when this migration runs.`,
        likelyCauses: [
          `The migration uses a model of ${target} but does not list a migration of ${target} in its dependencies.`,
          `The app ${target} is not in INSTALLED_APPS (or its label differs from the name used).`,
          'A ForeignKey target model was renamed or moved to another app.',
        ],
        steps: [
          step(`Add a dependency on the ${target} migration that creates the model (e.g. ('${target}', '0001_initial')) to the failing migration's dependencies.`),
          step(`Check the label and that the app is installed:`, `python manage.py showmigrations ${target}`),
          step('Rerun:', 'python manage.py migrate'),
        ],
        verify: ['`python manage.py migrate --plan` lists the dependency before the failing migration.'],
        prevent: ['In RunPython, use only apps.get_model() for apps the migration depends on.'],
      };
    }
    return {
      meaning: `Code touched models (or called get_user_model()) before Django finished loading apps. ${x.kind === 'models' ? "Models aren't loaded yet" : "Apps aren't loaded yet"} means the import happened too early.`,
      likelyCauses: [
        'A migration (or a module it imports: custom fields, utils) imports models or runs a query at module import time.',
        'get_user_model() is called at import time instead of referencing settings.AUTH_USER_MODEL.',
        'A standalone script imports models without calling django.setup() first.',
      ],
      steps: [
        step('Move model access inside the RunPython function and use apps.get_model("app_label", "Model") there, never a direct import from app.models.'),
        step('Reference the user model in migrations and fields as settings.AUTH_USER_MODEL.'),
        step('In standalone scripts, set DJANGO_SETTINGS_MODULE and call django.setup() before importing models.'),
        step('Check the whole project loads:', 'python manage.py check'),
      ],
      verify: ['`python manage.py check` and `python manage.py migrate --plan` run without the error.'],
      prevent: ['`migrate-help check` flags migrations that import models directly.', 'Keep migrations free of imports from app code that may change later.'],
    };
  },
  cases: {
    match: [
      { name: 'apps not loaded', text: "django.core.exceptions.AppRegistryNotReady: Apps aren't loaded yet.", expect: { kind: 'apps' } },
      { name: 'models not loaded', text: "AppRegistryNotReady: Models aren't loaded yet.", expect: { kind: 'models' } },
      { name: 'lookup', text: "LookupError: No installed app with label 'billing'.", expect: { kind: 'lookup', app: 'billing' } },
      { name: 'related', text: "ValueError: Related model 'accounts.User' cannot be resolved", expect: { kind: 'related', relatedApp: 'accounts', model: 'User' } },
    ],
    nearMiss: ['the app registry is ready', "No installed app called 'billing'"],
  },
});
