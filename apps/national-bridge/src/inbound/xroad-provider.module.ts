import {
  Inject,
  Module,
  RequestMethod,
  type DynamicModule,
  type MiddlewareConsumer,
  type ModuleMetadata,
  type NestModule,
  type OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { ConfigError } from '@lgsp/core';
import { ListClientsPath, ProtocolVersion, type AccessRights } from '@lgsp/national';
import { HubGatewayClient } from './hub-gateway.client';
import { nationalService } from './national-services';
import { RawBodyMiddleware, registerRawBodyParser } from './raw-body';
import { SecurityServerPeers } from './security-server-peers';
import { readAccessRights, type XRoadProviderConfig } from './xroad-provider.config';
import { XRoadProviderController } from './xroad-provider.controller';
import { XRoadProviderService } from './xroad-provider.service';
import { XROAD_ACCESS_RIGHTS, XROAD_PROVIDER_CONFIG } from './xroad-provider.tokens';

export interface XRoadProviderOptions {
  config: XRoadProviderConfig;
  /**
   * Modules the endpoint needs from the app: one must export EXCHANGE_RECORDER (the message log), unless a
   * global module of the app does.
   */
  imports?: ModuleMetadata['imports'];
}

/** Every configured service must be one the endpoint can answer: a mistake stops the start. */
function checkedRights(config: XRoadProviderConfig): AccessRights {
  const rights = readAccessRights(config.accessFile);
  for (const provider of rights.config.providers)
    for (const service of provider.services)
      if (!nationalService(service.code))
        throw new ConfigError(
          'LGSP_XROAD_ACCESS',
          `${config.accessFile}: the endpoint has no service "${service.code}" to provide`,
        );
  return rights;
}

/**
 * The province's X-Road REST provider endpoint as a Nest module (`XRoadProviderModule.forRoot`): its
 * controller (/r1/*, /listClients), the access rights read at start-up, the gateway client, and the raw body
 * handling its routes need for X-Road-Request-Hash.
 */
@Module({})
export class XRoadProviderModule implements NestModule, OnModuleInit {
  constructor(
    private readonly adapter: HttpAdapterHost,
    @Inject(XROAD_PROVIDER_CONFIG) private readonly config: XRoadProviderConfig,
  ) {}

  static forRoot(options: XRoadProviderOptions): DynamicModule {
    return {
      module: XRoadProviderModule,
      imports: options.imports ?? [],
      controllers: [XRoadProviderController],
      providers: [
        { provide: XROAD_PROVIDER_CONFIG, useValue: options.config },
        { provide: XROAD_ACCESS_RIGHTS, useFactory: () => checkedRights(options.config) },
        {
          provide: SecurityServerPeers,
          useFactory: () =>
            new SecurityServerPeers(options.config.allowedPeers, options.config.peerCertificates),
        },
        HubGatewayClient,
        XRoadProviderService,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    // the controller's routes, in the path syntax of Nest's middleware (path-to-regexp), not Fastify's
    consumer
      .apply(RawBodyMiddleware)
      .forRoutes(
        { path: ProtocolVersion, method: RequestMethod.ALL },
        { path: `${ProtocolVersion}/*path`, method: RequestMethod.ALL },
        { path: ListClientsPath.slice(1), method: RequestMethod.ALL },
      );
  }

  onModuleInit(): void {
    registerRawBodyParser(this.adapter.httpAdapter.getInstance<FastifyInstance>(), this.config.bodyLimit);
  }
}
