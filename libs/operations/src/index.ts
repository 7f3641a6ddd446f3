export * from './confirmation';
export * from './dead-letters';
export { record, type Input, type ReplayInput } from './operation-input';
export * from './operations.service';
export * from './rate-limiter';
export * from './replay';
export * from './topics-overview';
export * from './operations.module';
