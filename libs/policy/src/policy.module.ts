import { Module, type DynamicModule } from '@nestjs/common';
import { AccessPolicy } from './access-policy';

/**
 * The access policy of an app (the policy file: domains, sensitive categories, grants, purposes, limits),
 * as `AccessPolicy`. Global: the GraphQL options that enforce it and the resolvers that size their lists
 * by it inject the same one.
 */
@Module({})
export class PolicyModule {
  static forRoot(policyFile: string): DynamicModule {
    return {
      module: PolicyModule,
      global: true,
      providers: [{ provide: AccessPolicy, useFactory: () => AccessPolicy.fromFile(policyFile) }],
      exports: [AccessPolicy],
    };
  }
}
