/**
 * The names of the servers under test, in the order results list them. Apart from targets.ts, which starts
 * them, so that code that only reports results (results.ts) does not load the process code.
 */
export type TargetName = 'seatlock' | 'reference' | 'pg' | 'redlock' | 'naive'
export const TARGETS: TargetName[] = ['seatlock', 'reference', 'pg', 'redlock', 'naive']
