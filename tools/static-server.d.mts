/** Serves `dir` as static files on 127.0.0.1 at a free port. */
export declare function serveStatic(dir: string): Promise<{ url: string; close(): Promise<void> }>;
