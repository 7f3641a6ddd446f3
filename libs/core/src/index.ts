export * from './batcher';
export * from './config';
export * from './errors';
export * from './http';
export * from './problem.filter';
export * from './nest-app';
