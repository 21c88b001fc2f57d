/**
 * Positional parameter names of the operations and field classes a migration file uses, so that
 * hand-written positional calls read the same as makemigrations' keyword calls.
 * Source: migration-rules.md §2.2 (Django and django.contrib.postgres operation signatures).
 */

/** `django.db.migrations.operations` classes → positional parameter names. */
export const DJANGO_OPERATIONS: Readonly<Record<string, readonly string[]>> = {
  CreateModel: ['name', 'fields', 'options', 'bases', 'managers'],
  DeleteModel: ['name'],
  RenameModel: ['old_name', 'new_name'],
  AlterModelTable: ['name', 'table'],
  AlterModelTableComment: ['name', 'table_comment'],
  AlterUniqueTogether: ['name', 'unique_together'],
  AlterIndexTogether: ['name', 'index_together'],
  AlterOrderWithRespectTo: ['name', 'order_with_respect_to'],
  AlterModelOptions: ['name', 'options'],
  AlterModelManagers: ['name', 'managers'],
  AddField: ['model_name', 'name', 'field', 'preserve_default'],
  RemoveField: ['model_name', 'name'],
  AlterField: ['model_name', 'name', 'field', 'preserve_default'],
  RenameField: ['model_name', 'old_name', 'new_name'],
  AddIndex: ['model_name', 'index'],
  RemoveIndex: ['model_name', 'name'],
  RenameIndex: ['model_name', 'new_name', 'old_name', 'old_fields'],
  AddConstraint: ['model_name', 'constraint'],
  RemoveConstraint: ['model_name', 'name'],
  AlterConstraint: ['model_name', 'name', 'constraint'],
  RunSQL: ['sql', 'reverse_sql', 'state_operations', 'hints', 'elidable'],
  RunPython: ['code', 'reverse_code', 'atomic', 'hints', 'elidable'],
  SeparateDatabaseAndState: ['database_operations', 'state_operations'],
};

/** `django.contrib.postgres.operations` classes → positional parameter names. */
export const POSTGRES_OPERATIONS: Readonly<Record<string, readonly string[]>> = {
  CreateExtension: ['name'],
  BloomExtension: [],
  BtreeGinExtension: [],
  BtreeGistExtension: [],
  CITextExtension: [],
  CryptoExtension: [],
  HStoreExtension: [],
  TrigramExtension: [],
  UnaccentExtension: [],
  CreateCollation: ['name', 'locale'],
  RemoveCollation: ['name', 'locale'],
  AddIndexConcurrently: ['model_name', 'index'],
  RemoveIndexConcurrently: ['model_name', 'name'],
  AddConstraintNotValid: ['model_name', 'constraint'],
  ValidateConstraint: ['model_name', 'name'],
};

export function operationSignature(type: string): readonly string[] | undefined {
  return Object.hasOwn(DJANGO_OPERATIONS, type) ? DJANGO_OPERATIONS[type] : Object.hasOwn(POSTGRES_OPERATIONS, type) ? POSTGRES_OPERATIONS[type] : undefined;
}

/** Modules whose operation classes count as known when a callee resolves into them. */
export const OPERATION_MODULES = new Set([
  'django.db.migrations',
  'django.db.migrations.operations',
  'django.db.migrations.operations.fields',
  'django.db.migrations.operations.models',
  'django.db.migrations.operations.special',
  'django.contrib.postgres.operations',
]);

/** Operations whose `name` argument is the model (the others use `model_name`). */
export const MODEL_NAME_OPERATIONS = new Set([
  'CreateModel',
  'DeleteModel',
  'AlterModelTable',
  'AlterModelTableComment',
  'AlterUniqueTogether',
  'AlterIndexTogether',
  'AlterOrderWithRespectTo',
  'AlterModelOptions',
  'AlterModelManagers',
]);

const FIELD_DEFAULT: readonly string[] = ['verbose_name', 'name'];
const RELATED: readonly string[] = ['to', 'on_delete', 'related_name', 'related_query_name', 'limit_choices_to', 'parent_link', 'to_field', 'db_constraint'];

/** Field classes → positional parameter names (Django's `__init__` order); others use Field's. */
const FIELD_SIGNATURES: Readonly<Record<string, readonly string[]>> = {
  ForeignKey: RELATED,
  ParentalKey: RELATED,
  TreeForeignKey: RELATED,
  OneToOneField: ['to', 'on_delete', 'to_field'],
  ForeignObject: ['to', 'on_delete', 'from_fields', 'to_fields'],
  ManyToManyField: ['to', 'related_name', 'related_query_name', 'limit_choices_to', 'symmetrical', 'through', 'through_fields', 'db_constraint', 'db_table', 'swappable'],
  ParentalManyToManyField: ['to', 'related_name', 'related_query_name', 'limit_choices_to', 'symmetrical', 'through', 'through_fields', 'db_constraint', 'db_table', 'swappable'],
  DecimalField: ['verbose_name', 'name', 'max_digits', 'decimal_places'],
  DateField: ['verbose_name', 'name', 'auto_now', 'auto_now_add'],
  DateTimeField: ['verbose_name', 'name', 'auto_now', 'auto_now_add'],
  TimeField: ['verbose_name', 'name', 'auto_now', 'auto_now_add'],
  FileField: ['verbose_name', 'name', 'upload_to', 'storage'],
  ImageField: ['verbose_name', 'name', 'width_field', 'height_field'],
  FilePathField: ['verbose_name', 'name', 'path', 'match', 'recursive', 'allow_files', 'allow_folders'],
  GenericIPAddressField: ['verbose_name', 'name', 'protocol', 'unpack_ipv4'],
  JSONField: ['verbose_name', 'name', 'encoder', 'decoder'],
  UUIDField: ['verbose_name'],
  ArrayField: ['base_field', 'size'],
  GeneratedField: [],
  GenericForeignKey: ['ct_field', 'fk_field', 'for_concrete_model'],
};

export function fieldSignature(type: string): readonly string[] {
  return Object.hasOwn(FIELD_SIGNATURES, type) ? (FIELD_SIGNATURES[type] as readonly string[]) : FIELD_DEFAULT;
}
