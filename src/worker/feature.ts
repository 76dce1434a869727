/**
 * What a feature module adds to what others see of Parley, declared in the module itself: caps.ts
 * collects every feature's declaration (features.ts lists the modules) into our disco#info and its
 * XEP-0115 hash, instead of one list edited for each new feature. A feature's stores, indexes and
 * migrations are declared by its storage module the same way (src/storage/db.ts, `SchemaPart`).
 */
export interface Feature {
  /** XEP-0030 features it supports, answered in disco#info. */
  readonly disco?: readonly string[];
  /** PEP nodes (XEP-0163) whose notifications it wants: announced as `<node>+notify`. */
  readonly notify?: readonly string[];
}
