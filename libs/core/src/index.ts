export * from './paths';
export * from './batcher';
export * from './config';
export * from './errors';
export * from './problem';
