/** Who is calling: a user through an API key, or a workstation through its token. */
export type Principal =
  | { kind: 'user'; userId: string; apiKeyId: string; isInstanceAdmin: boolean }
  | { kind: 'workstation'; workstationId: string; organizationId: string };

export type UserPrincipal = Extract<Principal, { kind: 'user' }>;
