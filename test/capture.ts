/** What the CLI writes, captured: `out` and `err` are streams for `main(argv, out, err)`, `text` what they got. */
export function captureStreams() {
  const text = { out: '', err: '' };
  const sink = (k: 'out' | 'err') =>
    ({ write: (s: string) => ((text[k] += s), true), isTTY: false }) as unknown as NodeJS.WriteStream;
  return { text, out: sink('out'), err: sink('err') };
}
