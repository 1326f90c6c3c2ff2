import { type Static, Type } from 'typebox';

/** Per-account preferences, kept on the server so every device shares them. */
export const Settings = Type.Object(
  {
    markReadDelaySeconds: Type.Union([Type.Null(), Type.Integer({ minimum: 0, maximum: 120 })], {
      description: 'Seconds a message must stay open before it is marked read; null: never automatically',
    }),
    imagesAllowedFrom: Type.Array(Type.String({ minLength: 3, maxLength: 320 }), {
      maxItems: 2000,
      description: 'Sender addresses whose remote images are shown without asking',
    }),
  },
  { title: 'Settings', additionalProperties: false },
);
export type Settings = Static<typeof Settings>;

export const DEFAULT_SETTINGS: Settings = { markReadDelaySeconds: 0, imagesAllowedFrom: [] };
