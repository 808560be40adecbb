/** Build once, on first use (a Lambda cold start), then reuse. */
export const lazy = <T>(build: () => T): (() => T) => {
  let value: T | undefined;
  return () => (value ??= build());
};
