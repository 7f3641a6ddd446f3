export * from './observability';
export * from './observability.module';
