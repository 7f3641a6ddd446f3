export * from './broker';
export * from './kafka-helpers';
export * from './samples';
export * from './network-switch';
export * from './kafka-tools';
export * from './cli-process';
export * from './databases';
