import {
  createParamDecorator,
  Injectable,
  Module,
  SetMetadata,
  type CanActivate,
  type DynamicModule,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiKeyRegistry, presentedKey, type Caller } from './api-keys';

const ROLES = 'lgsp:roles';

/** The roles that may call a controller or a handler (the handler's list wins); none: any known caller. */
export const Roles = (...roles: Caller['role'][]): ClassDecorator & MethodDecorator =>
  SetMetadata(ROLES, roles);

/** The caller the guard authenticated, per request (nothing is added to the request object). */
const callers = new WeakMap<object, Caller>();

interface HeaderCarrier {
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Authenticates every request to the routes it guards (an API key in x-api-key, or an API key or an
 * access token in Authorization: Bearer) and checks the caller's role against `@Roles(...)`: 401 or 403
 * as problem+json otherwise. The handler reads the caller with `@CurrentCaller()`.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly registry: ApiKeyRegistry,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const roles =
      this.reflector.getAllAndOverride<Caller['role'][] | undefined>(ROLES, [
        context.getHandler(),
        context.getClass(),
      ]) ?? [];
    const request = this.requestOf(context);
    callers.set(request, await this.registry.authenticate(presentedKey(request.headers), ...roles));
    return true;
  }

  /** The request whose headers carry the credential (HTTP here; other transports override it). */
  protected requestOf(context: ExecutionContext): HeaderCarrier {
    return context.switchToHttp().getRequest<HeaderCarrier>();
  }
}

/** The caller of the current request; only on routes the ApiKeyGuard guards. */
export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  const caller = callers.get(context.switchToHttp().getRequest<object>());
  if (!caller) throw new Error('@CurrentCaller() on a route that the ApiKeyGuard does not guard');
  return caller;
});

/**
 * Who the callers are (the callers file: API key hashes, OAuth client ids, roles and grants). Global:
 * any controller may use `@UseGuards(ApiKeyGuard)` with `@Roles(...)` and `@CurrentCaller()`.
 */
@Module({})
export class AuthModule {
  static forRoot(callersFile: string): DynamicModule {
    return {
      module: AuthModule,
      global: true,
      providers: [
        { provide: ApiKeyRegistry, useFactory: () => ApiKeyRegistry.fromFile(callersFile) },
        ApiKeyGuard,
      ],
      exports: [ApiKeyRegistry, ApiKeyGuard],
    };
  }
}
