// Integration and e2e tests talk to a real broker and database on a shared 2-core machine: jest's 5 s default
// fails slow-but-correct runs, so a test or hook without its own limit gets 30 s. (`testTimeout` is a global
// option of jest, ignored inside `projects`; this file is each real tier's setupFilesAfterEnv.)
jest.setTimeout(30_000);
