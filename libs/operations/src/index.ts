export * from './dead-letters';
export * from './rate-limiter';
export * from './replay';
export * from './topics-overview';
