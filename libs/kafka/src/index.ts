export * from './cloudevents';
export * from './consumer-runner';
export * from './event-producer';
export * from './kafka-config';
export * from './topic-admin';
export * from './topic-reader';
export * from './envelope-rules';
export * from './kafka-acls';
