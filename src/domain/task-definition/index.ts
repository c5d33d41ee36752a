/**
 * Task definitions: RegisterTaskDefinition's rules and the stored shape. The
 * Fargate size table and the message catalogue are exported because RunTask
 * overrides and API tests reuse them.
 */
export { buildTaskDefinition } from './build-task-definition.js';
export { FARGATE_CPU_OPTIONS, FARGATE_SIZES, fargateMemoryOptions, isValidFargateSize } from './fargate-sizes.js';
export type { FargateCpuOption } from './fargate-sizes.js';
export { FARGATE_MAX_STOP_TIMEOUT, fargateIncompatibility } from './fargate-rules.js';
export { HEALTH_CHECK_BOUNDS } from './container-rules.js';
export { errors as taskDefinitionErrors } from './messages.js';
export { HEALTH_CHECK_DEFAULTS, parseTaskCpu, parseTaskMemory, withHealthCheckDefaults } from './normalize.js';
export { isEcrImage } from './images.js';
export { resolveDefinition } from './resolve.js';
export type { ResolvedDefinition } from './resolve.js';
export type * from './types.js';
