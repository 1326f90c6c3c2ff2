import type { Settings } from '@westwind/contract';
import * as settingsApi from '../../lib/api/settings';

/** What applies until the server answers (the contract's DEFAULT_SETTINGS, without its TypeBox import). */
const DEFAULTS: Settings = { markReadDelaySeconds: 0, imagesAllowedFrom: [] };

/** The account's preferences, loaded once after sign-in. App-wide: use the `settings` singleton. */
export class SettingsState {
  #value = $state.raw<Settings>(DEFAULTS);
  #loaded: Promise<void> | undefined;
  #ready = $state(false);

  /** True once the server's settings arrived. */
  get ready(): boolean {
    return this.#ready;
  }
  get value(): Settings {
    return this.#value;
  }
  /** Seconds a message stays open before it is marked read; null: never automatically. */
  get markReadDelay(): number | null {
    return this.#value.markReadDelaySeconds;
  }

  /** Loads once; the defaults stay when the server cannot answer. Never throws. */
  load(): Promise<void> {
    this.#loaded ??= settingsApi.getSettings().then(
      (value) => {
        this.#value = value;
        this.#ready = true;
      },
      () => {
        this.#loaded = undefined;
      },
    );
    return this.#loaded;
  }

  /** Stores new settings; throws `ApiRequestError` when the server refuses. */
  async save(value: Settings): Promise<void> {
    this.#value = await settingsApi.putSettings(value);
  }

  /** Shows remote images from this sender from now on; throws like `save()`. */
  async allowImagesFrom(address: string): Promise<void> {
    // Never write the defaults over settings that failed to load.
    const current = this.#ready ? this.#value : await settingsApi.getSettings();
    const lower = address.trim().toLowerCase();
    if (current.imagesAllowedFrom.includes(lower)) return;
    await this.save({ ...current, imagesAllowedFrom: [...current.imagesAllowedFrom, lower] });
    this.#ready = true;
  }
}

export const settings = new SettingsState();
