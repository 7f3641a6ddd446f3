// The sample data lives in @lgsp/samples, which the demo publishes too; tests keep importing it from here.
export * from '@lgsp/samples';
