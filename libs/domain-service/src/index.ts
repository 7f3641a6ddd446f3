export * from './subgraph-service';
export * from './consumed-events';
export * from './read-model-rebuild';
export * from './rebuild-routes';
