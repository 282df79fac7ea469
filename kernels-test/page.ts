/** Entry of the kernel-test page: one engine (outputs poisoned) and the case table, on window. */
import { createEngine, type Engine } from '../src/engine.js';
import { Rng } from '../src/reference/random.js';
import { CASES } from './cases.js';
import type { CaseRequest, CaseResult, KernelSuite } from './protocol.js';

declare global {
  interface Window {
    kernelSuite: KernelSuite;
    __ready?: boolean;
    __initError?: string;
  }
}

async function init(): Promise<void> {
  const engine: Engine = await createEngine({ poisonOutputs: true });
  window.kernelSuite = {
    async run(req: CaseRequest): Promise<CaseResult> {
      const fn = CASES[req.name];
      if (!fn) throw new Error(`no kernel case '${req.name}'`);
      try {
        return await fn(engine, new Rng(req.seed), req.params);
      } catch (e) {
        const err = e as Error;
        return {
          ok: false,
          failures: [`threw ${err.name}: ${err.message}\n${err.stack ?? ''}`],
          codesCompared: 0,
          floatsCompared: 0,
          info: {},
        };
      }
    },
    async adapter() {
      const info = engine.adapterInfo;
      return {
        vendor: info?.vendor ?? '',
        architecture: info?.architecture ?? '',
        description: info?.description ?? '',
        features: engine.features as unknown as Record<string, unknown>,
        maxStorageBufferBindingSize: engine.limits.maxStorageBufferBindingSize,
      };
    },
  };
  window.__ready = true;
}

init().catch((e: unknown) => {
  window.__initError = String((e as Error)?.message ?? e);
});
