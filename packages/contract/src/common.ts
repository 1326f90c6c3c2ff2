import { type Static, Type } from 'typebox';

/**
 * Every error the API returns has this shape, whatever the status code. `code` is stable and
 * machine-readable (clients switch on it); `message` is for people and may change.
 */
export const ApiError = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable machine-readable code, e.g. SESSION_REQUIRED' }),
      message: Type.String({ description: 'Human-readable explanation' }),
      retryAfterSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
    }),
  },
  { title: 'ApiError', description: 'Uniform error body' },
);
export type ApiError = Static<typeof ApiError>;

export const HealthStatus = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('unavailable')]),
    checks: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Object({
          ok: Type.Boolean(),
          latencyMs: Type.Optional(Type.Number()),
          detail: Type.Optional(Type.String()),
        }),
      ),
    ),
  },
  { title: 'HealthStatus' },
);
export type HealthStatus = Static<typeof HealthStatus>;
