/**
 * A/B assignment: the same browser id and form always give the same variant, and over many browsers each
 * variant gets its share of the weights. FNV-1a (32 bits) spreads ids evenly enough for that and is a few
 * bytes of code; it need not be secret, only stable.
 */
export function assign<V extends { weight: number }>(visitorId: string, formId: string, variants: readonly V[]): V {
  let hash = 0x811c9dc5;
  for (const c of visitorId + formId) hash = Math.imul(hash ^ c.charCodeAt(0), 0x1000193);
  let point = (hash >>> 0) % variants.reduce((n, v) => n + v.weight, 0);
  for (const v of variants) if ((point -= v.weight) < 0) return v;
  return variants[0]!;
}

/**
 * Progressive profiling: the fields to ask a visitor whose lead already gave the fields in `known`. Each
 * optional field already known is replaced, in place, by the next field of `next` that is neither known nor
 * asked already; with none left it is dropped. Required fields always stay.
 */
export function profileFields<F extends { name: string; required: boolean }>(fields: readonly F[], next: readonly F[], known: readonly string[]): F[] {
  const queue = next.filter((f) => !known.includes(f.name) && !fields.some((g) => g.name == f.name));
  return fields.flatMap((f) => (f.required || !known.includes(f.name) ? [f] : queue.splice(0, 1)));
}
