export * from './api-keys';
export * from './graphql-guard';
