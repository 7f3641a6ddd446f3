export * from './subgraph-service';
export * from './applied-events';
// The checks every consumer of a domain topic applies live with the schemas (ingest's validator uses them too).
export { validateRecords, type ValidEvent } from '@lgsp/schema-registry';
export * from './read-model-rebuild';
export * from './rebuild.controller';
export * from './domain-service.module';
export * from './projection-consumer';
