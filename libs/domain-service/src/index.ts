export * from './subgraph-service';
export * from './consumed-events';
