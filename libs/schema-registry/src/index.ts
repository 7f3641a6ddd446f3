export * from './compatibility';
export * from './schema-registry';
