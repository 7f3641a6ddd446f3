export * from './operator-audit';
export * from './audit-chain';
export * from './audit-keys';
export * from './audit-verify';
export * from './signed-chain';
export * from './audit-routes';
export * from './audit.module';
