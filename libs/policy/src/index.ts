export * from './access-policy';
export * from './graphql-access';
export * from './policy.module';
