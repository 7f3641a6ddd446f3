export * from './broker';
export * from './kafka-helpers';
export * from './samples';
