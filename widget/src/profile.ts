/**
 * Progressive profiling: the fields to ask a visitor whose lead already gave the fields in `known`. Each
 * optional field already known is replaced, in place, by the next field of `next` that is neither known nor
 * asked already; with none left it is dropped. Required fields always stay.
 */
export function profileFields<F extends { name: string; required: boolean }>(fields: readonly F[], next: readonly F[], known: readonly string[]): F[] {
  const queue = next.filter((f) => !known.includes(f.name) && !fields.some((g) => g.name == f.name));
  return fields.flatMap((f) => (f.required || !known.includes(f.name) ? [f] : queue.splice(0, 1)));
}
