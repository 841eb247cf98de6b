import { FunctionAction as A, FunctionStatus as S } from '../asset/index.js';

/** The function build state machine (substra-behaviour §2.11): action → allowed origins and target. */
const FunctionTransition: Readonly<Record<number, { from: readonly S[]; to: S }>> = {
  [A.BUILDING]: { from: [S.WAITING], to: S.BUILDING },
  [A.READY]: { from: [S.BUILDING], to: S.READY },
  [A.FAILED]: { from: [S.BUILDING], to: S.FAILED },
  [A.CANCELED]: {
    from: [S.WAITING, S.BUILDING],
    to: S.CANCELED,
  },
};

/** The status a build action leads to from `current`, or undefined when it is not allowed from there. */
export function nextFunctionStatus(current: S, action: A): S | undefined {
  const transition = FunctionTransition[action];
  return transition?.from.includes(current) ? transition.to : undefined;
}
