export * from './settings';
export * from './body-policy';
export * from './redaction';
export * from './message-log';
export * from './message-log.verify';
export * from './message-log.module';
