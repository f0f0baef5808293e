/** Every built-in preset name, in declaration order. */
export const PRESET_NAMES = [
  'web',
  'api',
  'background',
  'analytics',
  'serverless',
  'edge',
  'test',
  'development',
  'high-throughput',
] as const

/** The names of the built-in presets. */
export type PresetName = (typeof PRESET_NAMES)[number]

/** Every preset name, in declaration order (frozen). */
export const presetNames: readonly PresetName[] = Object.freeze([...PRESET_NAMES])
