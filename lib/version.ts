/** Reported by QueryVersion; release builds replace it. */
export const ORCHESTRATOR_VERSION = '0.1.0';
