export * from './dossier-status';
export * from './events';
export * from './generated/events';
export * from './schema-files';
export * from './topics';
