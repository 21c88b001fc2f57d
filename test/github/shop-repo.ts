/** A scripted Django repository for the GitHub grounder and end-to-end tests: one `shop` app, 0001..0042 on main. */
import { migrationSource } from '../fakes/github.js';

/** NOT NULL column with only a Python default: Django drops the default after filling rows. */
export const RISKY_ADD_FIELD = `        migrations.AddField(
            model_name='order',
            name='channel',
            field=models.CharField(default='web', max_length=32),
        ),`;

export const CREATE_ORDER = `        migrations.CreateModel(
            name='Order',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
            ],
        ),`;

/** A shop app with 0001..0042 on main; returns the files. */
export function shopFiles(): Record<string, string> {
  const files: Record<string, string> = { 'shop/__init__.py': '', 'shop/migrations/__init__.py': '', 'shop/models.py': 'from django.db import models\n' };
  files['shop/migrations/0001_initial.py'] = migrationSource({ dependencies: [], operations: CREATE_ORDER });
  for (let index = 2; index <= 42; index++) {
    const name = `${String(index).padStart(4, '0')}_step_${index}`;
    const previous = index === 2 ? '0001_initial' : `${String(index - 1).padStart(4, '0')}_step_${index - 1}`;
    files[`shop/migrations/${name}.py`] = migrationSource({ dependencies: [['shop', previous]], operations: `        migrations.AlterModelOptions(name='order', options={'ordering': ['id']}),` });
  }
  return files;
}

