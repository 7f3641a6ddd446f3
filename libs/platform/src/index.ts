export * from './fastify-parsers';
export * from './nest-app';
export * from './problem.filter';
