/** Who is calling: a user through an API key, or a workstation through its token. */
export type Principal =
  | { kind: 'user'; userId: string; apiKeyId: string; isInstanceAdmin: boolean }
  | { kind: 'workstation'; workstationId: string; organizationId: string };

export type UserPrincipal = Extract<Principal, { kind: 'user' }>;

/**
 * A caller without credentials on a route that allows anonymous reading (#18). Deliberately not a
 * Principal: `request.principal` stays null, so `userOf` and every role or membership check refuse
 * it as before; only the access service's `readProject`/`readMission` know what it may read.
 */
export type AnonymousReader = { kind: 'anonymous' };
export const anonymousReader: AnonymousReader = Object.freeze({ kind: 'anonymous' });

/** Who reads a route open to anonymous readers: a signed-in user or nobody in particular. */
export type Reader = UserPrincipal | AnonymousReader;
