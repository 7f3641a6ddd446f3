import {
  Inject,
  Injectable,
  Module,
  Optional,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { databaseCheck, HealthChecks, LOGGER, type Logger } from '@lgsp/observability';
import { openDatabase, type Database, type StoreLog, type StoreSettings } from './database';

/** Injection token of the app's `Database` (PostgreSQL or PGlite). */
export const DATABASE = Symbol('LGSP_DATABASE');

/** For constructor parameters: `@InjectDatabase() db: Database`. */
export const InjectDatabase = (): PropertyDecorator & ParameterDecorator => Inject(DATABASE);

/** Reports the database in readiness and closes it once every module that uses it has shut down. */
@Injectable()
export class StoreLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Optional() private readonly health?: HealthChecks,
  ) {}

  onModuleInit(): void {
    this.health?.add(databaseCheck(this.db));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}

/**
 * The app's store. Global, so its hooks run around every other module's: the database opens while
 * the app's providers are created and closes after theirs have shut down (Nest calls the shutdown
 * hooks of the modules that import others first, global modules last). Each service migrates its own
 * schema in its repository's OnModuleInit.
 */
@Module({})
export class StoreModule {
  static forRoot(settings: StoreSettings): DynamicModule {
    return {
      module: StoreModule,
      global: true,
      providers: [
        {
          provide: DATABASE,
          inject: [{ token: LOGGER, optional: true }],
          useFactory: (logger?: Logger) => openDatabase(settings, logger && storeLog(logger)),
        },
        StoreLifecycle,
      ],
      exports: [DATABASE],
    };
  }
}

function storeLog(logger: Logger): StoreLog {
  return (level, msg, fields) => logger[level](fields ?? {}, msg);
}
