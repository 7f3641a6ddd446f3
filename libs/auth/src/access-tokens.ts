import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet } from 'jose';
import { HubError } from '@lgsp/core';

/**
 * OAuth 2.0 access tokens in the JWT profile of RFC 9068, verified against a configured key set
 * (JWKS): header `typ` `at+jwt`, signature by a key of the set (asymmetric algorithms only), `iss` and
 * `aud` as configured, `exp` in the future. The caller is the one whose `clientId` is the token's
 * `client_id` claim; its role and grants come from the callers file, as for an API key.
 */
export interface TokenSettings {
  issuer: string;
  audience: string;
  /** a JWKS file, relative to the callers file */
  jwksFile: string;
  /** seconds of clock skew tolerated on exp/nbf/iat */
  clockToleranceSeconds?: number;
}

const ALGORITHMS = ['EdDSA', 'ES256', 'ES384', 'PS256', 'RS256'];

export class AccessTokenVerifier {
  private readonly keys: ReturnType<typeof createLocalJWKSet>;

  constructor(
    private readonly settings: TokenSettings,
    jwks: JSONWebKeySet,
  ) {
    if (!settings.issuer || !settings.audience)
      throw new Error('tokens: issuer and audience must be set in the callers file');
    this.keys = createLocalJWKSet(jwks);
  }

  static fromSettings(settings: TokenSettings, callersFile: string): AccessTokenVerifier {
    const path = resolve(dirname(callersFile), settings.jwksFile);
    return new AccessTokenVerifier(settings, JSON.parse(readFileSync(path, 'utf8')) as JSONWebKeySet);
  }

  /** The token's client id, or 401 with the reason (never the token itself). */
  async clientIdOf(token: string): Promise<string> {
    try {
      const { payload } = await jwtVerify(token, this.keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        typ: 'at+jwt',
        algorithms: ALGORITHMS,
        clockTolerance: this.settings.clockToleranceSeconds ?? 30,
        requiredClaims: ['exp', 'iat', 'client_id'],
      });
      const clientId = payload.client_id;
      if (typeof clientId !== 'string' || clientId === '') throw new Error('client_id missing');
      return clientId;
    } catch (error) {
      throw new HubError('LGSP_ERR_UNAUTHENTICATED', `the access token is not valid: ${reason(error)}`);
    }
  }
}

function reason(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `claim ${error.claim} is not accepted`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  if (error instanceof errors.JWKSNoMatchingKey) return 'signed by an unknown key';
  if (error instanceof errors.JOSEError) return error.code;
  return 'malformed';
}

/** A compact JWS: three base64url parts. API keys never look like this. */
export function looksLikeJwt(presented: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(presented);
}
