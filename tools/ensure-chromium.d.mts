export declare function chromiumPlan(opts?: {
  env?: Record<string, string | undefined>;
  candidates?: string[];
  isRoot?: boolean;
  hasApt?: boolean;
}): { action: 'found'; path: string } | { action: 'install' } | { action: 'manual'; message: string };
