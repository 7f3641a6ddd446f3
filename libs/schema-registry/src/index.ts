export * from './compatibility';
export * from './schema-registry';
export * from './schema-check';
export * from './consumed-events';
