import { type Static, Type } from 'typebox';

export const SignInRequest = Type.Object(
  {
    address: Type.String({ minLength: 3, maxLength: 320, description: 'Mail address used to sign in' }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { title: 'SignInRequest', additionalProperties: false },
);
export type SignInRequest = Static<typeof SignInRequest>;

export const SessionInfo = Type.Object(
  {
    address: Type.String(),
    displayName: Type.String(),
    capabilities: Type.Array(Type.String(), { description: 'IMAP capabilities of the upstream server' }),
  },
  { title: 'SessionInfo' },
);
export type SessionInfo = Static<typeof SessionInfo>;

export const CsrfToken = Type.Object(
  { token: Type.String({ description: 'Send as the x-csrf-token header on every state-changing request' }) },
  { title: 'CsrfToken' },
);
export type CsrfToken = Static<typeof CsrfToken>;
