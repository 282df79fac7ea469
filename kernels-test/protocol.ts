/** What the Node side sends to the kernel-test page and what comes back (JSON only). */
export interface CaseRequest {
  readonly name: string;
  readonly seed: number;
  readonly params: Record<string, unknown>;
}

export interface CaseResult {
  readonly ok: boolean;
  /** Human-readable description of every failed check (empty when ok). */
  readonly failures: string[];
  /** Integer words/codes compared bit for bit. */
  readonly codesCompared: number;
  /** Floats compared (bitwise or by tolerance). */
  readonly floatsCompared: number;
  /** Any numbers worth printing (errors, sizes). */
  readonly info: Record<string, number | string | boolean>;
}

export interface KernelSuite {
  run(req: CaseRequest): Promise<CaseResult>;
  adapter(): Promise<Record<string, unknown>>;
}
