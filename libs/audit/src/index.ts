export * from './operator-audit';
export * from './audit-chain';
