import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collector: (() => void) | null | undefined;

/**
 * A full garbage collection now, where a batch job knows a phase has ended and its garbage is
 * large (V8 on its own lets the heap grow to several times what is live before it collects). The
 * collector is V8's own `gc`, exposed for this process once; where it cannot be, this does nothing.
 */
export function collectGarbage(): void {
  if (collector === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const gc: unknown = runInNewContext('gc');
      collector = typeof gc === 'function' ? (gc as () => void) : null;
    } catch {
      collector = null;
    }
  }
  collector?.();
}
