export * from './access-policy';
export * from './graphql-access';
