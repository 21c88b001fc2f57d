import { definePlaybook, orPlaceholder, step } from './types.js';

export default definePlaybook({
  id: 'cannot-serialize',
  title: 'makemigrations cannot serialize a value',
  summary: 'A field or option holds a lambda, a nested function or an object without deconstruct().',
  patterns: [
    { regex: /Cannot serialize function: lambda/, extract: () => ({ kind: 'lambda', value: 'lambda' }), confidence: 'high' },
    { regex: /Cannot serialize function (.{1,200}?): No module/, extract: (m) => ({ kind: 'no-module', value: m[1] }), confidence: 'high' },
    { regex: /Could not find function (\w+) in (\w+(?:\.\w+)*)/, extract: (m) => ({ kind: 'not-found', value: m[1], module: m[2] }), confidence: 'high' },
    { regex: /ValueError: Cannot serialize: (.{1,300})/, extract: (m) => ({ kind: 'value', value: m[1] }), confidence: 'high' },
  ],
  explain(x) {
    const value = orPlaceholder(x.value, 'value');
    return {
      meaning: `makemigrations has to write ${value} into a migration file as Python code, and it does not know how.`,
      likelyCauses:
        x.kind === 'lambda'
          ? ['A default=, upload_to= or validators= uses a lambda.']
          : x.kind === 'not-found'
            ? [`The function ${value} is nested inside another function or class, so ${orPlaceholder(x.module, 'module')} does not expose it at module level.`]
            : x.kind === 'no-module'
              ? ['The function was created dynamically and has no importable module.']
              : ['A default or option is an instance of a class without a deconstruct() method.'],
      steps: [
        step('Replace lambdas and nested functions with a module-level function and pass the function itself (default=make_code, not default=make_code()).'),
        step('For class instances, decorate the class with @django.utils.deconstruct.deconstructible (and give it __eq__), or register a custom serializer with MigrationWriter.register_serializer().'),
        step('Regenerate:', 'python manage.py makemigrations'),
      ],
      verify: ['`python manage.py makemigrations --check --dry-run` runs without ValueError.'],
      prevent: ['Keep callables used in model definitions at module level; migrations import them by path forever, so do not rename or delete them.'],
    };
  },
  cases: {
    match: [
      { name: 'lambda', text: 'ValueError: Cannot serialize function: lambda', expect: { kind: 'lambda' } },
      { name: 'not found', text: 'ValueError: Could not find function make_code in shop.models.\n', expect: { kind: 'not-found', value: 'make_code', module: 'shop.models' } },
      { name: 'value', text: "ValueError: Cannot serialize: <shop.models.Money object at 0x7f>\nThere are some values Django cannot serialize into migration files.", expect: { kind: 'value', value: '<shop.models.Money object at 0x7f>' } },
    ],
    nearMiss: ['Cannot serialize JSON', 'how do I serialize a lambda?'],
  },
});
