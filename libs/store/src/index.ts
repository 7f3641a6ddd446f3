export * from './database';
export * from './store.module';
