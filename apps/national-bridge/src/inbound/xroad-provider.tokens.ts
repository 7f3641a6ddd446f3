/** Nest injection tokens of the X-Road provider endpoint. */
export const XROAD_PROVIDER_CONFIG = Symbol('XROAD_PROVIDER_CONFIG');
export const XROAD_ACCESS_RIGHTS = Symbol('XROAD_ACCESS_RIGHTS');
