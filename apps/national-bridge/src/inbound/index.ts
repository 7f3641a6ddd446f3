export * from './xroad-provider.config';
export * from './xroad-provider.module';
