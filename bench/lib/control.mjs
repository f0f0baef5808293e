/**
 * Control targets of the interleaved runner: a target as it is, in a process that has first loaded modules
 * it never uses, named `<target>+<module>+…`. Against the plain target, a control shows what loading that
 * code alone does to the target's speed.
 *
 * @example
 * splitControl('typeorm-native+@pools/core/mysql2') // { target: 'typeorm-native', unused: ['@pools/core/mysql2'] }
 * splitControl('drizzle-mysql:own')                 // { target: 'drizzle-mysql:own', unused: [] }
 */
export function splitControl(name) {
  const [target, ...unused] = name.split('+')
  if (target === '' || unused.some((module) => module === '')) {
    throw new Error(`target "${name}": expected <target>+<module>+…, with no empty part`)
  }
  return { target, unused }
}

/** Import modules and never use them: what a control target does before it opens. */
export async function loadUnused(modules) {
  for (const module of modules) await import(module)
}
