import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';

/**
 * A database of a test's own on the tests' PostgreSQL server (WHARF_TEST_POSTGRES,
 * set by the README's test command, which installs and starts the server).
 * Every call makes a new, empty database; `drop()` removes it.
 */
export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

export function testServerUrl(): string {
  const url = process.env.WHARF_TEST_POSTGRES;
  if (!url) {
    throw new Error('WHARF_TEST_POSTGRES is not set: run the tests with `npm test` (it installs and starts PostgreSQL), or point it at a server, e.g. postgres://postgres@127.0.0.1:55432/postgres');
  }
  return url;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = testServerUrl();
  const name = `wharf_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * For a test file that wants many databases: each call of the returned
 * function makes a new one, and all of them are dropped when the file's tests end.
 */
export function testDatabasesDroppedAfter(): () => Promise<TestDatabase> {
  const made: TestDatabase[] = [];
  after(async () => {
    await Promise.all(made.map((database) => database.drop()));
  });
  return async () => {
    const database = await createTestDatabase();
    made.push(database);
    return database;
  };
}
