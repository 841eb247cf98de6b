export { Provider } from './provider.js';
export { EventBuffer, type Clock, type EventSink, type ServiceContext } from './context.js';
export { fixedClock, wallClock } from './clock.js';
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './paging.js';
export { createPermission, createPermissions, canProcess, intersect, union, isAllowed } from './permissions.js';
export { nextTaskStatus, isFinalTaskStatus, TaskTransition, type TaskTransitionName } from './taskstate.js';
export { nextFunctionStatus } from './functionstate.js';
export { sortParentsFirst } from './computetask/toposort.js';
export { performanceKey } from './performance.js';
