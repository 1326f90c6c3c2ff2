import type { SessionInfo, SignInRequest } from '@westwind/contract';
import { type ApiRequestError, toApiRequestError } from '../api/client';
import * as sessionApi from '../api/session';

export type SessionStatus = 'unknown' | 'signed-out' | 'signed-in';

/** The calls `SessionState` makes; a parameter so a test or a preview can swap them. */
export interface SessionApi {
  fetchSession(): Promise<SessionInfo>;
  createSession(request: SignInRequest): Promise<SessionInfo>;
  deleteSession(): Promise<void>;
}

/** 401 means "no session"; 404 means the server has no session API (yet), which amounts to the same. */
function meansNoSession(error: ApiRequestError): boolean {
  return error.status === 401 || error.status === 404 || error.code === 'SESSION_REQUIRED';
}

/** Who is signed in. App-wide: use the `session` singleton. */
export class SessionState {
  #status = $state<SessionStatus>('unknown');
  #info = $state.raw<SessionInfo | null>(null);
  #loadError = $state.raw<ApiRequestError | null>(null);
  /** Bumped by every operation, so a slow answer cannot overwrite a newer one. */
  #generation = 0;
  readonly #api: SessionApi;

  constructor(api: SessionApi = sessionApi) {
    this.#api = api;
  }

  get status(): SessionStatus {
    return this.#status;
  }

  get info(): SessionInfo | null {
    return this.#info;
  }

  /** Why the last `load()` could not tell whether anyone is signed in (e.g. the server is down). */
  get loadError(): ApiRequestError | null {
    return this.#loadError;
  }

  /** Asks the server whether the cookie carries a session. Never throws. */
  async load(): Promise<void> {
    const generation = ++this.#generation;
    try {
      const info = await this.#api.fetchSession();
      if (generation === this.#generation) this.#setSignedIn(info);
    } catch (error) {
      if (generation !== this.#generation) return;
      const requestError = toApiRequestError(error);
      this.#setSignedOut(meansNoSession(requestError) ? null : requestError);
    }
  }

  /** Throws `ApiRequestError` when the server refuses; the caller shows why. */
  async signIn(address: string, password: string): Promise<void> {
    const generation = ++this.#generation;
    try {
      const info = await this.#api.createSession({ address, password });
      if (generation === this.#generation) this.#setSignedIn(info);
    } catch (error) {
      throw toApiRequestError(error);
    }
  }

  /** Throws when the server could not end the session, so the UI never pretends it did. */
  async signOut(): Promise<void> {
    const generation = ++this.#generation;
    try {
      await this.#api.deleteSession();
    } catch (error) {
      const requestError = toApiRequestError(error);
      if (!meansNoSession(requestError)) throw requestError;
    }
    if (generation === this.#generation) this.#setSignedOut(null);
  }

  #setSignedIn(info: SessionInfo): void {
    this.#info = info;
    this.#loadError = null;
    this.#status = 'signed-in';
  }

  #setSignedOut(loadError: ApiRequestError | null): void {
    this.#info = null;
    this.#loadError = loadError;
    this.#status = 'signed-out';
  }
}

export const session = new SessionState();
