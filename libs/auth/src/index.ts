export * from './api-keys';
export * from './graphql-guard';
export * from './ownership';
export * from './access-tokens';
export * from './auth.module';
