export * from './api-keys';
export * from './graphql-guard';
export * from './guarded-route';
export * from './ownership';
export * from './access-tokens';
