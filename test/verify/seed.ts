/** Rows for the fixture tables, so the claims are observed on tables that hold data. */
export const ROWS = 300;

export function seedAfter(migration: string, quote: (name: string) => string): string[] {
  const q = quote;
  if (migration === '0001_initial') {
    return [
      `INSERT INTO ${q('shop_author')} (${q('name')}, ${q('email')}) SELECT 'author ' || n, 'a' || n || '@example.com' FROM generate_series(1, ${ROWS}) AS n`,
      `INSERT INTO ${q('shop_book')} (${q('title')}, ${q('price')}, ${q('published')}, ${q('summary')}, ${q('created')}, ${q('author_id')}) SELECT 'title ' || n, n, n % 2 = 0, '', now(), (SELECT min(${q('id')}) FROM ${q('shop_author')}) FROM generate_series(1, ${ROWS}) AS n`,
      `INSERT INTO ${q('shop_tag')} (${q('label')}, ${q('weight')}) SELECT 'tag-' || n, n FROM generate_series(1, ${ROWS}) AS n`,
    ];
  }
  if (migration === '0002_add_fields') return [`UPDATE ${q('shop_book')} SET ${q('slug')} = CONCAT('book-', ${q('id')})`];
  return [];
}

/** MariaDB has no generate_series; its sequence engine gives the same rows. */
export function seedAfterMariadb(migration: string): string[] {
  if (migration === '0001_initial') {
    return [
      `INSERT INTO shop_author (name, email) SELECT CONCAT('author ', seq), CONCAT('a', seq, '@example.com') FROM seq_1_to_${ROWS}`,
      `INSERT INTO shop_book (title, price, published, summary, created, author_id) SELECT CONCAT('title ', seq), seq, seq % 2 = 0, '', NOW(), (SELECT MIN(id) FROM shop_author) FROM seq_1_to_${ROWS}`,
      `INSERT INTO shop_tag (label, weight) SELECT CONCAT('tag-', seq), seq FROM seq_1_to_${ROWS}`,
    ];
  }
  if (migration === '0002_add_fields') return ["UPDATE shop_book SET slug = CONCAT('book-', id)"];
  return [];
}
