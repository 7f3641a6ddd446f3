export * from './operator-audit';
